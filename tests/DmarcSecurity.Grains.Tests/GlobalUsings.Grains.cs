global using DmarcSecurity.Core.Grains;
