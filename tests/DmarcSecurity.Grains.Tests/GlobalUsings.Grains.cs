global using DmarcSecurity.Core.Grains;
global using DmarcSecurity.Core.Addresses;
