namespace DmarcSecurity.Data.Database;

public enum DatabaseProvider
{
    PostgreSql,
    Sqlite,
}
