using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace DmarcSecurity.Data.Database;

internal sealed class UnixMillisecondsConverter() : ValueConverter<DateTimeOffset, long>(
    value => value.ToUnixTimeMilliseconds(),
    value => DateTimeOffset.FromUnixTimeMilliseconds(value));

internal sealed class IpAddressTextConverter() : ValueConverter<IPAddress, string>(
    value => value.ToString(),
    value => IPAddress.Parse(value));
