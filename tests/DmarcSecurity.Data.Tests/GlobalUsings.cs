global using System.Net;
global using DmarcSecurity.Core.Ingestion;
global using DmarcSecurity.Core.Reports;
global using DmarcSecurity.Data.Ingestion;
global using DmarcSecurity.Data.Reports;
global using DmarcSecurity.Data.Stats;
global using DmarcSecurity.Testing;
