"""Data feed pages (firm staff): add or change a client's feed, see what became of its files, look now.
The feeds themselves are listed on the client's Uploads page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from drawback.accounts.tenancy import client_for_code, require_staff

from .. import feeds
from ..forms import DataFeedForm
from ..models import DataFeed
from ..tasks import feed_poll
from .uploads import _form_error

FILES_SHOWN = 100


def _form_page(request, client, form, feed=None):
    files = feed.files.select_related("upload", "document")[:FILES_SHOWN] if feed else []
    return render(
        request,
        "imports/feed_form.html",
        {
            "client": client,
            "tab": "uploads",
            "form": form,
            "feed": feed,
            "files": files,
            "title": f"Data feed {feed.name}" if feed else "New data feed",
        },
    )


def _save(request, client, feed=None):
    form = DataFeedForm(request.POST, instance=feed, client=client)
    if form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            feed = feeds.feed_save(client=client, by=request.user, values=values, feed=feed)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"Data feed {feed.name} saved; it is looked at within a minute.")
            return redirect("client-feed-detail", client.code, feed.pk)
    return _form_page(request, client, form, feed)


@login_required
def feed_create(request, code):
    require_staff(request.user)
    client = client_for_code(request.user, code)
    if request.method == "POST":
        return _save(request, client)
    return _form_page(request, client, DataFeedForm(client=client, initial={"analyst": request.user}))


@login_required
def feed_detail(request, code, pk):
    require_staff(request.user)
    client = client_for_code(request.user, code)
    feed = get_object_or_404(DataFeed, client=client, pk=pk)
    if request.method == "POST":
        return _save(request, client, feed)
    return _form_page(request, client, DataFeedForm(instance=feed, client=client), feed)


@login_required
@require_POST
def feed_poll_now(request, code, pk):
    require_staff(request.user)
    client = client_for_code(request.user, code)
    feed = get_object_or_404(DataFeed, client=client, pk=pk)
    result = feed_poll.delay(feed.pk)
    if result.ready():  # tasks run inline without a broker: say what happened
        messages.info(request, f"Data feed {feed.name}: {result.get()}")
    else:
        messages.info(request, f"Data feed {feed.name} is being looked at; its files appear below.")
    return redirect("client-feed-detail", client.code, feed.pk)
