from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import selectors


@login_required
def tree(request):
    """The territory tree, one level at a time, limited to the user's scope."""
    regions = selectors.region_children_with_counts(request.user, None)
    return render(request, "territory/tree.html", {"regions": regions})
