using DmarcSecurity.Cli.Hosting;
using Spectre.Console;

namespace DmarcSecurity.Cli.Tests.Infrastructure;

/// <summary>One in-process run of the tool: its exit code, standard output and standard error.</summary>
public sealed record CliRun(int ExitCode, string Output, string Error)
{
    public string All => Output + Error;

    public static async Task<CliRun> RunAsync(string[] args, IReadOnlyDictionary<string, string> environment, HttpMessageHandler? handler)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var host = new CliHost(Console(output), Console(error), name => environment.GetValueOrDefault(name), handler);
        var exitCode = await DmarcsecApp.RunAsync(args, host);
        return new CliRun(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>A console as in a pipe: no colours, no live rendering, wide enough that no table row wraps.</summary>
    private static IAnsiConsole Console(TextWriter writer)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 1000;
        return console;
    }

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}
