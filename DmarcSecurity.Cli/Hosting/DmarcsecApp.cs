using DmarcSecurity.Cli.Decisions;
using DmarcSecurity.Cli.Enforcement;
using DmarcSecurity.Cli.Ids;
using DmarcSecurity.Cli.Ingest;
using DmarcSecurity.Cli.Simulate;
using DmarcSecurity.Cli.Training;

namespace DmarcSecurity.Cli.Hosting;

/// <summary>The <c>dmarcsec</c> command line: parses, runs one command, returns its exit code.</summary>
public static class DmarcsecApp
{
    public static RootCommand Build(CliContext context)
    {
        var root = new RootCommand("dmarcsec: upload DMARC reports and IDS logs to the DmarcSecurity Api, simulate traffic, list decisions, train the severity model, enforce dry-run blocks.");
        root.Options.Add(context.Api);
        root.Options.Add(context.ApiKey);
        root.Subcommands.Add(IngestCommand.Create(context));
        root.Subcommands.Add(IngestIdsCommand.Create(context));
        root.Subcommands.Add(SimulateCommand.Create(context));
        root.Subcommands.Add(DecisionsCommand.Create(context));
        root.Subcommands.Add(TrainCommand.Create(context));
        root.Subcommands.Add(RunCommand.Create(context));
        return root;
    }

    public static async Task<int> RunAsync(string[] args, CliHost host, CancellationToken cancellationToken = default)
    {
        var context = new CliContext(host);
        var parse = Build(context).Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                host.WriteError(error.Message);
            }

            host.WriteError("See 'dmarcsec --help'.");
            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync(new InvocationConfiguration
        {
            Output = host.Out.Profile.Out.Writer,
            Error = host.Error.Profile.Out.Writer,
            EnableDefaultExceptionHandler = true,
            // Ctrl+C and SIGTERM cancel the command's token, and it has this long to end on its own: without it the
            // process is killed at once (System.CommandLine 2.0.0 sets no default), and `run` could not stop cleanly.
            ProcessTerminationTimeout = TimeSpan.FromSeconds(2),
        }, cancellationToken);
    }
}
