"""Every permission of the application, named <resource>:<action> and kept sorted.

Views name these members, never string literals; ACLs grant them to principals
(security.py defines the principals; resources.py and the models compute the ACLs).
"""

from enum import StrEnum


class Permissions(StrEnum):
    AccountRegister = "account:register"  # sign up and sign in (anonymous visitors)
    AccountSelf = "account:self"  # the signed-in user's own profile, data export and sign-out
    AdminAgencies = "admin:agencies"  # create and edit agencies and their units
    AdminUsers = "admin:users"  # list users, grant and revoke roles
    AgencyStaff = "agency:staff"  # the agency's internal pages: staff, units, work in progress
    SiteView = "site:view"  # public pages
    Unassigned = "view:unassigned"  # the default for views that name none: granted by no ACL
