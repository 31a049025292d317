global using DmarcSecurity.Core.Grains;
global using DmarcSecurity.Core.Addresses;
global using Orleans;
global using Orleans.Concurrency;
global using Orleans.Placement;
