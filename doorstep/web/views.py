from django.db import connection
from django.http import HttpResponse
from django.shortcuts import redirect, render

from doorstep.territory import selectors


def home(request):
    """Staff go to the console; residents and visitors see the public start page, where any
    compound's public card can be found by name."""
    if request.user.is_authenticated and not selectors.scope_for(request.user).is_empty:
        return redirect("territory:tree")
    query = request.GET.get("q", "")[:40]
    context = {"query": query, "compounds": selectors.public_compounds(query)}
    return render(request, "web/home.html", context)


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
