from django.contrib import admin

from . import models

for model in (
    models.Region,
    models.Building,
    models.Dwelling,
    models.Ownership,
    models.Household,
    models.Grid,
    models.DepartmentContact,
    models.Organization,
    models.OrgMembership,
    models.JointBodySeat,
    models.PropertyService,
    models.Person,
    models.PersonTag,
    models.PartyMembership,
    models.Role,
):
    admin.site.register(model)
