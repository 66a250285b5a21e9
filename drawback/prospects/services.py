"""Writes for prospects: leads from the questionnaire, the assessment step by step with its files and resume
links, its submission, and the staff's follow-up (status, owner, notes, release of the estimate).

The estimate (the pipeline run on a prospect's files) is in `estimate.py`, the conversion to a client in
`conversion.py`, the deletion of old files in `retention.py`.
"""

import hashlib
import uuid
from pathlib import PurePath

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from drawback.accounts.models import Firm, User
from imports.documents import document_check

from . import questionnaire as q
from .models import Assessment, AssessmentFile, Lead, LeadEvent, LeadNote
from .steps import REQUIRED

# At most this many files per assessment: enough for examples, not a free file store.
MAX_FILES = 20
RESUME_SALT = "drawback.prospects.resume"


class ProspectError(Exception):
    """A request the prospect or staff cannot make in the current state; the message says why, plainly."""


def _event(lead: Lead, action: str, text: str = "", actor: User | None = None) -> LeadEvent:
    return LeadEvent.objects.create(lead=lead, action=action, text=text, actor=actor)


# --- questionnaire


def lead_from_questionnaire(*, firm: Firm, answers: q.Answers) -> Lead:
    """Store a completed questionnaire as a new lead with its instant result. Every completion is a lead,
    contact details or not."""
    result = q.questionnaire_result(answers)
    with transaction.atomic():
        lead = Lead.objects.create(
            firm=firm,
            questionnaire=answers.as_dict(),
            questionnaire_result=result.as_json(),
            questionnaire_at=timezone.now(),
            rating=result.rating,
            annual_low=result.annual_low,
            annual_high=result.annual_high,
            lookback_low=result.lookback_low,
            lookback_high=result.lookback_high,
        )
        _event(lead, LeadEvent.Action.QUESTIONNAIRE, f"Rating {result.rating}")
    return lead


def lead_contact_record(
    *, lead: Lead, name: str, company: str, email: str, phone: str, consent_text: str
) -> Lead:
    """Record who to contact, with the consent the prospect gave (its words and time)."""
    lead.contact_name, lead.company, lead.email, lead.phone = name, company or lead.company, email, phone
    lead.consent, lead.consent_text, lead.consent_at = True, consent_text, timezone.now()
    with transaction.atomic():
        lead.save()
        _event(lead, LeadEvent.Action.CONTACT, f"{name} <{email}>")
    return lead


# --- assessment


def assessment_start(*, firm: Firm, questionnaire_lead: Lead | None = None) -> Assessment:
    """A new assessment; the questionnaire lead of the same visitor, if any, is the lead it joins when sent
    (even when it is sent from another browser, through a resume link)."""
    if questionnaire_lead is not None and questionnaire_lead.firm_id != firm.pk:
        questionnaire_lead = None
    return Assessment.objects.create(firm=firm, questionnaire_lead=questionnaire_lead)


def _open(assessment_id: int) -> Assessment:
    """The assessment locked for a change; refused once it has been sent."""
    locked = Assessment.objects.select_for_update().get(pk=assessment_id)
    if locked.is_submitted:
        raise ProspectError("This assessment has been sent; it can no longer be changed.")
    return locked


def assessment_step_save(*, assessment: Assessment, step: str, raw: dict, answers=None) -> Assessment:
    """Keep what was posted for a step and, when it passed the checks, its answers. A step posted with
    errors keeps its draft and loses its stored answers, so what is sent is always what the form shows.
    Raises ProspectError once the assessment is sent."""
    with transaction.atomic():
        locked = _open(assessment.pk)
        locked.drafts[step] = raw
        if answers is None:
            locked.answers.pop(step, None)
        else:
            locked.answers[step] = answers
            if step == "contacts" and answers and not locked.email:
                locked.email = answers[0]["email"]
        locked.save(update_fields=["drafts", "answers", "email", "updated_at"])
    assessment.refresh_from_db()
    return assessment


def _sha256(file) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def assessment_file_add(
    *, assessment: Assessment, kind: str, file: UploadedFile
) -> tuple[AssessmentFile, bool]:
    """Store an uploaded file with the limits of a client's documents (type, content, size). The same file
    again is not stored twice. Returns (file, created). Raises ValidationError or ProspectError."""
    if kind not in AssessmentFile.Kind.values:
        raise ValidationError({"kind": "Say what the file is."})
    content_type = document_check(file=file)
    sha256 = _sha256(file)
    with transaction.atomic():
        locked = _open(assessment.pk)
        existing = locked.files.filter(sha256=sha256).first()
        if existing:
            return existing, False
        if locked.files.count() >= MAX_FILES:
            raise ProspectError(f"An assessment takes at most {MAX_FILES} files; remove one first.")
        name = PurePath(file.name or "file").name[:255]
        stored = AssessmentFile(
            assessment=locked,
            kind=kind,
            original_name=name,
            content_type=content_type,
            size=file.size,
            sha256=sha256,
        )
        # A random storage name: nothing the visitor typed reaches the storage path.
        stored.file.save(f"{uuid.uuid4().hex}{PurePath(name).suffix.lower()}", file, save=False)
        try:
            stored.save()
            locked.save(update_fields=["updated_at"])
        except Exception:
            stored.file.delete(save=False)
            raise
    return stored, True


def assessment_file_delete(*, assessment: Assessment, token) -> None:
    """Remove one of the assessment's own files (and, after commit, its stored copy)."""
    with transaction.atomic():
        locked = _open(assessment.pk)
        stored = locked.files.filter(token=token).first()
        if stored is None:
            raise AssessmentFile.DoesNotExist
        storage, name = stored.file.storage, stored.file.name
        stored.delete()
        if name:
            transaction.on_commit(lambda: storage.delete(name))


def resume_token(assessment: Assessment) -> str:
    """The signed part of a resume link: it names this assessment only, and it carries its date."""
    return signing.dumps(str(assessment.token), salt=RESUME_SALT)


def assessment_from_resume(signed: str, *, expired_ok: bool = False) -> Assessment:
    """The assessment a resume link opens. Raises signing.SignatureExpired past PROSPECT_RESUME_LINK_DAYS
    (unless expired_ok), signing.BadSignature for a link that was changed, Assessment.DoesNotExist."""
    max_age = None if expired_ok else settings.PROSPECT_RESUME_LINK_DAYS * 86400
    token = signing.loads(signed, salt=RESUME_SALT, max_age=max_age)
    return Assessment.objects.select_related("firm").get(token=token)


def resume_link_send(*, assessment: Assessment, email: str, base_url: str) -> None:
    """E-mail a link that reopens the assessment, to the address given (kept as the assessment's)."""
    from .tasks import resume_link_mail

    with transaction.atomic():
        Assessment.objects.filter(pk=assessment.pk).update(email=email, updated_at=timezone.now())
        assessment.email = email
        transaction.on_commit(lambda: resume_link_mail.delay(assessment.pk, base_url))


def missing_steps(assessment: Assessment) -> list[str]:
    return [slug for slug in REQUIRED if slug not in assessment.answers]


def assessment_submit(*, assessment: Assessment, consent_text: str, base_url: str) -> Lead:
    """Send the assessment: it becomes (or joins) a lead, staff are told, and the estimate starts when
    there are data files. The questionnaire lead of the same visitor, if any, is the lead it joins.
    Raises ProspectError when a step is missing or it was sent already."""
    from .estimate import estimate_start
    from .tasks import staff_new_assessment_mail

    with transaction.atomic():
        locked = _open(assessment.pk)
        missing = missing_steps(locked)
        if missing:
            raise ProspectError(f"Some steps are not complete yet: {', '.join(missing)}.")
        company = locked.answers["company"]
        contact = locked.answers["contacts"][0]
        lead = None
        if locked.questionnaire_lead_id:
            lead = (
                Lead.objects.select_for_update(of=("self",))
                .filter(pk=locked.questionnaire_lead_id, firm=locked.firm, assessment__isnull=True)
                .exclude(status__in=[Lead.Status.CONVERTED, Lead.Status.LOST])
                .first()
            )
        if lead is None:
            lead = Lead(firm=locked.firm)
        lead.company = company["legal_name"]
        lead.contact_name, lead.email, lead.phone = (
            contact["name"],
            contact["email"],
            contact.get("phone", ""),
        )
        lead.consent, lead.consent_text, lead.consent_at = True, consent_text, timezone.now()
        lead.save()
        locked.lead = lead
        locked.status = Assessment.Status.SUBMITTED
        locked.submitted_at = timezone.now()
        locked.email = locked.email or contact["email"]
        locked.save()
        _event(lead, LeadEvent.Action.ASSESSMENT, f"{locked.files.count()} files")
        estimate_start(assessment=locked)
        transaction.on_commit(lambda: staff_new_assessment_mail.delay(lead.pk, base_url))
    assessment.refresh_from_db()
    return lead


# --- staff


def _require_firm_staff(user: User, lead: Lead) -> None:
    if not user.is_authenticated or user.is_client_user or user.firm_id != lead.firm_id:
        raise PermissionError("only the firm's staff follow its leads up")


def lead_update(*, lead: Lead, by: User, status: str, owner: User | None) -> list[str]:
    """Change a lead's status and owner; each change goes to the audit trail. A lead is converted only by
    the conversion, and a converted lead's status no longer changes. Returns what changed."""
    _require_firm_staff(by, lead)
    if owner is not None and (owner.firm_id != lead.firm_id or owner.is_client_user):
        raise ProspectError("The owner must be one of the firm's staff.")
    changes = []
    with transaction.atomic():
        locked = Lead.objects.select_for_update().get(pk=lead.pk)
        if status != locked.status:
            if locked.status == Lead.Status.CONVERTED or status == Lead.Status.CONVERTED:
                raise ProspectError("A lead becomes a client through the conversion only, once.")
            if status not in Lead.Status.values:
                raise ProspectError("Unknown status.")
            text = f"{locked.get_status_display()} → {Lead.Status(status).label}"
            locked.status = status
            changes.append(text)
            _event(locked, LeadEvent.Action.STATUS, text, by)
        if (owner.pk if owner else None) != locked.owner_id:
            locked.owner = owner
            text = f"Owner: {owner.get_full_name() or owner.username}" if owner else "Owner: nobody"
            changes.append(text)
            _event(locked, LeadEvent.Action.OWNER, text, by)
        locked.save()
    lead.refresh_from_db()
    return changes


def lead_note_add(*, lead: Lead, by: User, text: str) -> LeadNote:
    _require_firm_staff(by, lead)
    text = text.strip()
    if not text:
        raise ProspectError("Write the note first.")
    with transaction.atomic():
        note = LeadNote.objects.create(lead=lead, author=by, text=text)
        _event(lead, LeadEvent.Action.NOTE, text[:200], by)
        Lead.objects.filter(pk=lead.pk).update(updated_at=timezone.now())
    return note


def estimate_release(*, assessment: Assessment, by: User, base_url: str) -> None:
    """Show the prospect their estimate (the latest finished one) and e-mail them a link to it."""
    from .tasks import estimate_released_mail

    lead = assessment.lead
    _require_firm_staff(by, lead)
    estimate = assessment.latest_estimate()
    if estimate is None or estimate.status != estimate.Status.DONE:
        raise ProspectError("There is no finished estimate to release.")
    with transaction.atomic():
        Assessment.objects.filter(pk=assessment.pk).update(released_at=timezone.now(), released_by=by)
        _event(lead, LeadEvent.Action.RELEASED, "", by)
        if assessment.email:
            transaction.on_commit(lambda: estimate_released_mail.delay(assessment.pk, base_url))
    assessment.refresh_from_db()
