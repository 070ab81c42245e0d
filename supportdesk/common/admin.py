"""Admin pieces shared by the apps."""


class ReadOnlyAdminMixin:
    """For rows that change only through services (ledgers, issued statements, measured
    work, purchases that credit a bank): the admin may list and show them, never write."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
