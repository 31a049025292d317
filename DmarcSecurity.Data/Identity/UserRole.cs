namespace DmarcSecurity.Data.Identity;

/// <summary>Roles in increasing order of power: a higher value can do everything a lower one can.</summary>
public enum UserRole
{
    Viewer = 0,
    Analyst = 1,
    Admin = 2,
}
