from django.db import connection
from django.http import HttpResponse
from django.shortcuts import redirect, render


def home(request):
    """Staff go to the console; everyone else sees the public start page."""
    if request.user.is_authenticated:
        return redirect("territory:tree")
    return render(request, "web/home.html")


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
