global using DmarcSecurity.Data.Reports;
global using Microsoft.AspNetCore.Http.HttpResults;
global using Microsoft.AspNetCore.Mvc;
global using DmarcSecurity.Core.Grains;
global using DmarcSecurity.Core.Addresses;
