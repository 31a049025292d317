global using System.Data.Common;
global using System.Net;
global using DmarcSecurity.Data.Database;
global using Microsoft.EntityFrameworkCore;
global using DmarcSecurity.Core.Addresses;
