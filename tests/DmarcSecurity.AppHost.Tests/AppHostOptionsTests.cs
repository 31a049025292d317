using DmarcSecurity.AppHost;

namespace DmarcSecurity.AppHost.Tests;

public sealed class AppHostOptionsTests
{
    [Fact]
    public void Defaults_use_sqlite_in_the_data_folder_one_silo_and_admin_at_localhost()
    {
        var options = AppHostOptions.Parse([]);

        Assert.Null(options.DataDirectory);
        Assert.Null(options.ConnectionString);
        Assert.False(options.Postgres);
        Assert.Equal("admin@localhost", options.AdminEmail);
        Assert.Equal(1, options.SiloReplicas);
        Assert.False(options.ShowHelp);
    }

    [Fact]
    public void Every_option_is_read()
    {
        var options = AppHostOptions.Parse(
            ["--data", "/tmp/d", "--connection-string", "Host=db;Database=dmarc", "--admin-email", "you@example.com", "--replicas", "silo=3"]);

        Assert.Equal("/tmp/d", options.DataDirectory);
        Assert.Equal("Host=db;Database=dmarc", options.ConnectionString);
        Assert.Equal("you@example.com", options.AdminEmail);
        Assert.Equal(3, options.SiloReplicas);
    }

    [Fact]
    public void Postgres_is_a_flag_that_combines_with_the_other_options()
    {
        var options = AppHostOptions.Parse(["--postgres", "--data", "/tmp/d", "--replicas", "silo=2"]);

        Assert.True(options.Postgres);
        Assert.Equal("/tmp/d", options.DataDirectory);
        Assert.Equal(2, options.SiloReplicas);
        Assert.Null(options.ConnectionString);
    }

    [Fact]
    public void Postgres_takes_no_value() =>
        Assert.Contains("Unknown option 'yes'", Assert.Throws<AppHostOptionsException>(() => AppHostOptions.Parse(["--postgres", "yes"])).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("-h")]
    [InlineData("--help")]
    public void Help_is_recognised(string flag) => Assert.True(AppHostOptions.Parse([flag]).ShowHelp);

    [Theory]
    [InlineData("Unknown option '--sqlite'", "--sqlite")]
    [InlineData("--postgres and --connection-string exclude each other", "--postgres", "--connection-string", "Host=db")]
    [InlineData("--postgres and --connection-string exclude each other", "--connection-string", "Host=db", "--postgres")]
    [InlineData("Option '--data' needs a value", "--data")]
    [InlineData("Option '--data' needs a value", "--data", "--replicas", "silo=2")]
    [InlineData("Option '--connection-string' needs a value", "--connection-string", "")]
    [InlineData("not an e-mail address", "--admin-email", "admin")]
    [InlineData("expected <resource>=<count>", "--replicas", "2")]
    [InlineData("only the silo runs as several processes, not 'api'", "--replicas", "api=2")]
    [InlineData("from 1 to 16, not '0'", "--replicas", "silo=0")]
    [InlineData("from 1 to 16, not '17'", "--replicas", "silo=17")]
    [InlineData("from 1 to 16, not 'two'", "--replicas", "silo=two")]
    [InlineData("from 1 to 16, not '-1'", "--replicas", "silo=-1")]
    public void Invalid_arguments_are_rejected_with_a_clear_message(string message, params string[] args)
    {
        var error = Assert.Throws<AppHostOptionsException>(() => AppHostOptions.Parse(args));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(5, 16)]
    [InlineData(6, 30)]
    [InlineData(40, 30)]
    public void Restarts_back_off_exponentially_up_to_30_seconds(int crashes, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), Resource.Backoff(crashes));
}
