using DmarcSecurity.Benchmarks;

// Usage: DmarcSecurity.Benchmarks [parse] [email] [handlers] [ingest] [silo] [dashboard] [views] [notify] [anomaly] [ids] [enrich] [act]
// (all when none is named). bench/run.sh sets up what ingest, silo, dashboard, views, notify and act need.
var which = args.Length == 0 ? ["parse", "email", "handlers", "ingest", "silo", "dashboard", "views", "notify", "anomaly", "ids", "enrich", "act"] : args;
Console.WriteLine($"DmarcSecurity benchmarks — {Environment.ProcessorCount} cores, .NET {Environment.Version}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
if (which.Contains("parse"))
{
    ParseBenchmark.Run(Console.Out);
}

if (which.Contains("email"))
{
    EmailParseBenchmark.Run(Console.Out);
}

if (which.Contains("handlers"))
{
    HandlerBenchmark.Run(Console.Out);
}

if (which.Contains("ingest"))
{
    await IngestBenchmark.RunAsync(Console.Out);
}

if (which.Contains("silo"))
{
    await SiloBenchmark.RunAsync(Console.Out);
}

if (which.Contains("dashboard"))
{
    await DashboardBenchmark.RunAsync(Console.Out);
}

if (which.Contains("views"))
{
    await ViewsBenchmark.RunAsync(Console.Out);
}

if (which.Contains("notify"))
{
    await NotifyBenchmark.RunAsync(Console.Out);
}

if (which.Contains("anomaly"))
{
    AnomalyBenchmark.Run(Console.Out);
}

if (which.Contains("ids"))
{
    IdsBenchmark.Run(Console.Out);
}

if (which.Contains("enrich"))
{
    await EnrichBenchmark.RunAsync(Console.Out);
}

if (which.Contains("act"))
{
    await ActBenchmark.RunAsync(Console.Out);
}
