from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from drawback.accounts.tenancy import clients_for


@login_required
def home(request):
    return render(request, "dashboards/home.html", {"clients": clients_for(request.user)})
