using System.Text;
using DmarcSecurity.Cli.Hosting;
using Spectre.Console;

namespace DmarcSecurity.Cli.Tests.Infrastructure;

/// <summary>One in-process run of the tool: its exit code, standard output and standard error.</summary>
public sealed record CliRun(int ExitCode, string Output, string Error)
{
    public string All => Output + Error;

    public static Task<CliRun> RunAsync(string[] args, IReadOnlyDictionary<string, string> environment, HttpMessageHandler? handler) =>
        RunUntilAsync(args, environment, handler, until: null, TimeSpan.FromMinutes(5));

    /// <summary>Runs the tool and, for a command that runs until stopped, cancels it (as Ctrl+C does) once
    /// <paramref name="until"/> holds for its standard output so far, or after <paramref name="timeout"/>.</summary>
    public static async Task<CliRun> RunUntilAsync(
        string[] args, IReadOnlyDictionary<string, string> environment, HttpMessageHandler? handler, Func<string, bool>? until, TimeSpan timeout)
    {
        var output = new SharedWriter();
        var error = new SharedWriter();
        var host = new CliHost(Console(output), Console(error), name => environment.GetValueOrDefault(name), handler);
        using var cancel = new CancellationTokenSource(timeout);
        var run = DmarcsecApp.RunAsync(args, host, cancel.Token);
        if (until is not null)
        {
            while (!run.IsCompleted && !until(output.ToString()))
            {
                await Task.WhenAny(run, Task.Delay(50));
            }

            await cancel.CancelAsync();
        }

        var exitCode = await run;
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

    /// <summary>A string writer that may be read while the tool writes to it.</summary>
    private sealed class SharedWriter : TextWriter
    {
        private readonly StringBuilder _text = new();
        private readonly Lock _lock = new();

        // UTF-16, as a StringWriter: the console then draws its tables with box-drawing characters.
        public override Encoding Encoding { get; } = new UnicodeEncoding(false, false);

        public override void Write(char value)
        {
            lock (_lock)
            {
                _text.Append(value);
            }
        }

        public override void Write(char[] buffer, int index, int count)
        {
            lock (_lock)
            {
                _text.Append(buffer, index, count);
            }
        }

        public override void Write(ReadOnlySpan<char> buffer)
        {
            lock (_lock)
            {
                _text.Append(buffer);
            }
        }

        public override void Write(string? value)
        {
            lock (_lock)
            {
                _text.Append(value);
            }
        }

        public override string ToString()
        {
            lock (_lock)
            {
                return _text.ToString();
            }
        }
    }
}
