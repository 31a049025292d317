namespace DmarcSecurity.Cli;

// A named class rather than top-level statements: the tests host the Api's global Program beside this one.
internal static class Program
{
    public static Task<int> Main(string[] args) => DmarcsecApp.RunAsync(args, CliHost.FromProcess());
}
