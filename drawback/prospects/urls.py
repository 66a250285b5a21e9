"""Public pages of the prospects' path, the invitation, and the firm's leads. Every pattern is listed in
tests/web/test_tenancy.py: the public ones as needing no account, the staff ones as firm staff only."""

from django.urls import path

from .views import assessment, public, staff

app_name = "prospects"

urlpatterns = [
    # Public: no account needed.
    path("", public.landing, name="landing"),
    path("questionnaire/", public.questionnaire, name="questionnaire"),
    path("questionnaire/result/<uuid:token>/", public.questionnaire_result, name="questionnaire_result"),
    path("assessment/", assessment.assessment, name="assessment"),
    path("assessment/step/<slug:step>/", assessment.assessment_step, name="assessment_step"),
    path("assessment/files/", assessment.assessment_file_upload, name="assessment_file_upload"),
    path(
        "assessment/files/<uuid:token>/delete/",
        assessment.assessment_file_delete_view,
        name="assessment_file_delete",
    ),
    path("assessment/save/", assessment.assessment_save, name="assessment_save"),
    path("assessment/resume/<str:signed>/", assessment.assessment_resume, name="assessment_resume"),
    path("assessment/sent/", assessment.assessment_status, name="assessment_status"),
    path("assessment/sent/progress/", assessment.assessment_progress, name="assessment_progress"),
    path("faq/", public.faq, name="faq"),
    path("invitation/<uidb64>/<token>/", public.invitation, name="invitation"),
    # The firm's staff.
    path("leads/", staff.lead_list, name="lead_list"),
    path("leads/<int:pk>/", staff.lead_detail, name="lead_detail"),
    path("leads/<int:pk>/update/", staff.lead_update_view, name="lead_update"),
    path("leads/<int:pk>/notes/", staff.lead_note, name="lead_note"),
    path("leads/<int:pk>/estimate/", staff.lead_estimate, name="lead_estimate"),
    path("leads/<int:pk>/estimate/progress/", staff.lead_estimate_progress, name="lead_estimate_progress"),
    path("leads/<int:pk>/release/", staff.lead_release, name="lead_release"),
    path("leads/<int:pk>/convert/", staff.lead_convert_view, name="lead_convert"),
    path("leads/<int:pk>/users/<int:user_pk>/invite/", staff.lead_invite, name="lead_invite"),
    path("leads/<int:pk>/files/<int:file_pk>/", staff.lead_file, name="lead_file"),
]
