"""The full assessment: a multi-step form the prospect can leave and take up again from an e-mailed link.

The browser session holds the one assessment it may open (its random token); a resume link (signed,
expiring) sets that. Each step posts to itself: "Save and continue" checks the step, "Back", the step
buttons of the progress bar and "Finish later" keep what was typed even when it does not pass the checks
yet, so moving around never loses an answer.
"""

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..display import answers_display, estimate_display, files_display
from ..forms import FileForm, ResumeEmailForm, SubmitForm, honeypot_tripped
from ..models import Assessment, AssessmentFile
from ..ratelimit import limited
from ..selectors import assessment_by_token
from ..services import (
    ProspectError,
    assessment_file_add,
    assessment_file_delete,
    assessment_from_resume,
    assessment_start,
    assessment_step_save,
    assessment_submit,
    missing_steps,
    resume_link_send,
)
from ..steps import BY_SLUG, REQUIRED, STEPS, answers_of, bound_form, neighbours, raw_of, step_index
from .public import firm_or_none, session_lead, spam

SESSION_ASSESSMENT = "prospect_assessment"


def base_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def current(request) -> Assessment | None:
    token = request.session.get(SESSION_ASSESSMENT)
    return assessment_by_token(token) if token else None


def open_in_session(request, assessment: Assessment) -> None:
    request.session[SESSION_ASSESSMENT] = str(assessment.token)


def first_open_step(assessment: Assessment) -> str:
    for step in STEPS:
        if step.slug in REQUIRED and step.slug not in assessment.answers:
            return step.slug
    return "documents" if "documents" not in assessment.drafts else "review"


def progress(assessment: Assessment, here: str) -> list[dict]:
    done = set(assessment.answers) | ({"documents"} if "documents" in assessment.drafts else set())
    return [
        {"slug": s.slug, "title": s.title, "number": i + 1, "done": s.slug in done, "current": s.slug == here}
        for i, s in enumerate(STEPS)
    ]


@require_http_methods(["GET", "POST"])
@limited("submission")
def assessment(request):
    """Start, continue, or see what became of the assessment this browser holds."""
    held = current(request)
    if request.method == "POST":
        if honeypot_tripped(request):
            return spam(request)
        firm = firm_or_none()
        if firm is None:
            raise Http404
        started = assessment_start(firm=firm, questionnaire_lead=session_lead(request))
        open_in_session(request, started)
        return redirect("prospects:assessment_step", "company")
    if held is not None and held.is_submitted:
        return redirect("prospects:assessment_status")
    return render(
        request,
        "prospects/assessment_start.html",
        {
            "held": held,
            "continue_step": first_open_step(held) if held else None,
            "steps": STEPS,
            "retention_days": settings.PROSPECT_RETENTION_DAYS,
            "max_mb": settings.DOCUMENT_MAX_BYTES // (1024 * 1024),
        },
    )


def _target(here: str, go: str) -> str:
    previous, following = neighbours(here)
    if go == "back" and previous:
        return reverse("prospects:assessment_step", args=[previous.slug])
    if go == "later":
        return reverse("prospects:assessment_save")
    if go.startswith("step:") and go[5:] in BY_SLUG:
        return reverse("prospects:assessment_step", args=[go[5:]])
    return reverse("prospects:assessment_step", args=[(following or BY_SLUG[here]).slug])


def _page(request, assessment, step, **context):
    previous, following = neighbours(step.slug)
    return render(
        request,
        f"prospects/assessment_{'step' if step.form else step.slug}.html",
        {
            "assessment": assessment,
            "step": step,
            "number": step_index(step.slug) + 1,
            "total": len(STEPS),
            "progress": progress(assessment, step.slug),
            "previous": previous,
            "following": following,
            **context,
        },
    )


def _held_open(request) -> Assessment | None:
    held = current(request)
    if held is None or held.is_submitted:
        return None
    return held


@require_http_methods(["GET", "POST"])
@limited()
def assessment_step(request, step: str):
    held = current(request)
    if held is None:
        return redirect("prospects:assessment")
    if held.is_submitted:
        return redirect("prospects:assessment_status")
    spec = BY_SLUG.get(step)
    if spec is None:
        raise Http404
    if request.method == "POST" and honeypot_tripped(request):
        return spam(request)
    if spec.slug == "documents":
        return _documents(request, held, spec)
    if spec.slug == "review":
        return _review(request, held, spec)
    if request.method == "POST":
        go = request.POST.get("go", "next")
        form = bound_form(spec, request.POST)
        valid = form.is_valid()
        assessment_step_save(
            assessment=held,
            step=spec.slug,
            raw=raw_of(request.POST),
            answers=answers_of(spec, form) if valid else None,
        )
        if valid or go != "next":
            return redirect(_target(spec.slug, go))
        return _page(request, held, spec, form=form)
    return _page(request, held, spec, form=bound_form(spec, held.drafts.get(spec.slug)))


def _documents(request, held, spec):
    if request.method == "POST":
        files = held.files.count()
        assessment_step_save(assessment=held, step="documents", raw={}, answers={"files": files})
        return redirect(_target(spec.slug, request.POST.get("go", "next")))
    return _documents_page(request, held, spec)


def _documents_page(request, held, spec, file_form=None):
    return _page(
        request,
        held,
        spec,
        file_form=file_form or FileForm(),
        files=list(held.files.all()),
        max_mb=settings.DOCUMENT_MAX_BYTES // (1024 * 1024),
    )


def _review(request, held, spec):
    form = SubmitForm(
        request.POST if request.method == "POST" and request.POST.get("go") == "submit" else None,
        firm_name=held.firm.name,
        retention_days=settings.PROSPECT_RETENTION_DAYS,
    )
    if request.method == "POST":
        go = request.POST.get("go", "submit")
        if go != "submit":
            return redirect(_target(spec.slug, go))
        if form.is_valid():
            try:
                assessment_submit(
                    assessment=held,
                    consent_text=str(form.fields["consent"].label),
                    base_url=base_url(request),
                )
            except ProspectError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, "Thank you: your assessment has been sent.")
                return redirect("prospects:assessment_status")
    return _page(
        request,
        held,
        spec,
        form=form,
        answers=answers_display(held),
        missing=[BY_SLUG[s] for s in missing_steps(held)],
        files=list(held.files.all()),
    )


@require_POST
@limited()
def assessment_file_upload(request):
    held = _held_open(request)
    if held is None:
        return redirect("prospects:assessment")
    if honeypot_tripped(request):
        return spam(request)
    form = FileForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            stored, created = assessment_file_add(
                assessment=held, kind=form.cleaned_data["kind"], file=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            form.add_error("file" if not hasattr(exc, "error_dict") else None, exc)
        except ProspectError as exc:
            form.add_error(None, str(exc))
        else:
            if created:
                messages.success(request, f"{stored.original_name} uploaded.")
            else:
                messages.info(request, f"{stored.original_name} was uploaded already; it is kept once.")
            return redirect("prospects:assessment_step", "documents")
    return _documents_page(request, held, BY_SLUG["documents"], file_form=form)


@require_POST
@limited()
def assessment_file_delete_view(request, token):
    held = _held_open(request)
    if held is None:
        return redirect("prospects:assessment")
    try:
        assessment_file_delete(assessment=held, token=token)
    except AssessmentFile.DoesNotExist:
        raise Http404 from None
    messages.info(request, "File removed.")
    return redirect("prospects:assessment_step", "documents")


@require_http_methods(["GET", "POST"])
@limited("email")
def assessment_save(request):
    """Finish later: e-mail a link that reopens the assessment."""
    held = _held_open(request)
    if held is None:
        return redirect("prospects:assessment")
    form = ResumeEmailForm(request.POST or None, initial={"email": held.email})
    if request.method == "POST":
        if honeypot_tripped(request):
            return spam(request)
        if form.is_valid():
            resume_link_send(assessment=held, email=form.cleaned_data["email"], base_url=base_url(request))
            return render(request, "prospects/assessment_saved.html", {"email": form.cleaned_data["email"]})
    return render(
        request,
        "prospects/assessment_save.html",
        {"form": form, "days": settings.PROSPECT_RESUME_LINK_DAYS, "back": first_open_step(held)},
    )


@require_http_methods(["GET", "POST"])
@limited("email")
def assessment_resume(request, signed: str):
    """Open the assessment a resume link names, in this browser. An expired link offers a new one, sent to
    the address the assessment already has (never to one typed here)."""
    try:
        held = assessment_from_resume(signed)
    except signing.SignatureExpired:
        try:
            stale = assessment_from_resume(signed, expired_ok=True)
        except (signing.BadSignature, Assessment.DoesNotExist):
            raise Http404 from None
        if request.method == "POST" and stale.email and not honeypot_tripped(request):
            resume_link_send(assessment=stale, email=stale.email, base_url=base_url(request))
            return render(request, "prospects/assessment_saved.html", {"email": stale.email})
        return render(
            request, "prospects/assessment_expired.html", {"has_email": bool(stale.email)}, status=410
        )
    except (signing.BadSignature, Assessment.DoesNotExist):
        raise Http404 from None
    if request.method == "POST":
        return redirect("prospects:assessment_resume", signed)
    request.session.cycle_key()
    open_in_session(request, held)
    if held.is_submitted:
        return redirect("prospects:assessment_status")
    messages.info(request, "Welcome back: your answers are as you left them.")
    return redirect("prospects:assessment_step", first_open_step(held))


@require_GET
def assessment_status(request):
    """After sending: what became of each file, the estimate's progress, and the estimate once released."""
    held = current(request)
    if held is None:
        return redirect("prospects:assessment")
    if not held.is_submitted:
        return redirect("prospects:assessment_step", first_open_step(held))
    estimate = held.latest_estimate()
    return render(
        request,
        "prospects/assessment_status.html",
        {
            "assessment": held,
            "files": files_display(held),
            "estimate": estimate,
            "result": estimate_display(estimate) if held.released_at else None,
            "progress_url": reverse("prospects:assessment_progress"),
        },
    )


@require_GET
def assessment_progress(request):
    held = current(request)
    estimate = held.latest_estimate() if held and held.is_submitted else None
    if estimate is None:
        raise Http404
    return JsonResponse({"status": estimate.status, "progress": estimate.progress, "stage": estimate.stage})
