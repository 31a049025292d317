using DmarcSecurity.Cli.Hosting;

return await DmarcsecApp.RunAsync(args, CliHost.FromProcess());
