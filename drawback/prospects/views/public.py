"""Public pages: the landing page, the questionnaire with its instant result, the FAQ, and the invitation
with which a new client user sets their password. No account needed; every POST is rate-limited per
address and carries the honeypot field."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.views import PasswordResetConfirmView
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_http_methods

from dashboards.views import home as firm_home

from ..display import questionnaire_display
from ..faq import render_markdown
from ..forms import ContactForm, QuestionnaireForm, consent_text, honeypot_tripped
from ..invitations import invitation_tokens
from ..models import Lead
from ..ratelimit import limited
from ..selectors import faq_entries, public_firm
from ..services import lead_contact_record, lead_from_questionnaire

SESSION_LEADS = "prospect_leads"


def firm_or_none():
    return public_firm()


def spam(request):
    """What a filled honeypot gets: a plain refusal, and nothing stored."""
    return render(request, "prospects/refused.html", status=400)


def landing(request):
    """`/`: the public landing page; signed-in people go on to their home as before."""
    if request.user.is_authenticated:
        return firm_home(request)
    return render(request, "prospects/landing.html", {"firm": firm_or_none()})


def remember_lead(request, lead: Lead) -> None:
    tokens = [t for t in request.session.get(SESSION_LEADS, []) if t != str(lead.token)]
    request.session[SESSION_LEADS] = [*tokens[-9:], str(lead.token)]


def session_lead(request) -> Lead | None:
    """The questionnaire lead this visitor completed last, if any."""
    tokens = request.session.get(SESSION_LEADS, [])
    return Lead.objects.filter(token=tokens[-1]).first() if tokens else None


@require_http_methods(["GET", "POST"])
@limited("submission")
def questionnaire(request):
    firm = firm_or_none()
    form = QuestionnaireForm(request.POST or None)
    if request.method == "POST":
        if honeypot_tripped(request):
            return spam(request)
        if firm is None:
            raise Http404
        if form.is_valid():
            lead = lead_from_questionnaire(firm=firm, answers=form.answers())
            remember_lead(request, lead)
            return redirect("prospects:questionnaire_result", lead.token)
    return render(request, "prospects/questionnaire.html", {"form": form, "firm": firm})


def _result_lead(request, token) -> Lead:
    # Only the browser that completed the questionnaire sees its result: the token is random, and it must
    # also be one this session created.
    if str(token) not in request.session.get(SESSION_LEADS, []):
        raise Http404
    lead = Lead.objects.select_related("firm").filter(token=token).first()
    if lead is None:
        raise Http404
    return lead


def _money(value: str) -> Decimal:
    return Decimal(value)


@require_http_methods(["GET", "POST"])
@limited()
def questionnaire_result(request, token):
    lead = _result_lead(request, token)
    form = ContactForm(request.POST or None, firm_name=lead.firm.name)
    if request.method == "POST":
        if honeypot_tripped(request):
            return spam(request)
        if form.is_valid():
            data = form.cleaned_data
            lead_contact_record(
                lead=lead,
                name=data["name"],
                company=data["company"],
                email=data["email"],
                phone=data["phone"],
                consent_text=consent_text(lead.firm.name),
            )
            messages.success(request, "Thank you: we will be in touch.")
            return redirect("prospects:questionnaire_result", lead.token)
    result = lead.questionnaire_result
    return render(
        request,
        "prospects/questionnaire_result.html",
        {
            "lead": lead,
            "result": result,
            "steps": [{**s, "low": _money(s["low"]), "high": _money(s["high"])} for s in result["steps"]],
            "lookback": {
                **result["lookback_step"],
                "low": _money(result["lookback_step"]["low"]),
                "high": _money(result["lookback_step"]["high"]),
            },
            "annual_low": _money(result["annual_low"]),
            "annual_high": _money(result["annual_high"]),
            "lookback_low": _money(result["lookback_low"]),
            "lookback_high": _money(result["lookback_high"]),
            "answers": questionnaire_display(lead.questionnaire),
            "form": form,
            "contact_left": lead.consent,
        },
    )


def faq(request):
    query = request.GET.get("q", "").strip()[:200]
    entries = list(faq_entries(q=query))
    for entry in entries:
        entry.html = render_markdown(entry.answer)
    categories = []
    for entry in entries:
        if not categories or categories[-1][0] != entry.category:
            categories.append((entry.category, []))
        categories[-1][1].append(entry)
    return render(
        request, "prospects/faq.html", {"categories": categories, "q": query, "count": len(entries)}
    )


class InvitationView(PasswordResetConfirmView):
    """A new client user chooses their password from the invitation link, is logged in and lands on their
    company's home. The link works once (Django's reset-token rules, with the invitation's own salt)."""

    template_name = "prospects/invitation.html"
    token_generator = invitation_tokens
    post_reset_login = True
    post_reset_login_backend = "drawback.accounts.security.SprayGuardBackend"
    success_url = reverse_lazy("home")


invitation = limited()(InvitationView.as_view())
