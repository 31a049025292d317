global using System.CommandLine;
global using System.Globalization;
global using DmarcSecurity.Cli.Api;
global using DmarcSecurity.Cli.Hosting;
global using Spectre.Console;
