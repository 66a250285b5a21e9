"""Drawback type choice API (firm staff; client users get 404): choose the type of each export on a worker,
read the latest choice, save it as draft claims on a worker.

POST /api/v1/clients/<code>/type-choices/         choose (202 with the job to poll at /api/v1/jobs/<id>/),
                                                  or 409 while a choice or a save of the client runs
GET  /api/v1/clients/<code>/type-choices/latest/  the latest computed choice: per export the type chosen,
                                                  why and the alternative it beat; totals per claim and
                                                  type; the designations; whether the data changed since
POST /api/v1/type-choices/<id>/save/               save exactly that choice as draft claims on a worker (202
                                                  with the job; it fails, saving nothing, if the data
                                                  changed since), or 409 with why
"""

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.building.api import StepSerializer
from claims.building.services import BuildError
from claims.jobs.api import JobClaimSerializer, JobSerializer
from claims.jobs.models import Job
from drawback.accounts.tenancy import client_for_code, get_scoped_or_404, require_staff
from drawback.api import ExpensiveRateThrottle

from . import services
from .models import TypeChoiceRun
from .runs import is_stale, latest_run

Problem = inline_serializer("TypeChoiceProblem", {"detail": serializers.CharField()})


class TypeChoiceStartSerializer(serializers.Serializer):
    filing_date = serializers.DateField(required=False, help_text="Default: today")


class RefusedSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="The type not allowed")
    reason = serializers.CharField()


class ExportChoiceSerializer(serializers.Serializer):
    export_ref = serializers.CharField()
    type = serializers.CharField(allow_blank=True, help_text="unused, manufacturing, rejected; blank: none")
    type_label = serializers.CharField()
    refund = serializers.CharField(help_text="This export's designations, in cents")
    alternative = serializers.CharField(allow_blank=True, help_text="The best other type the data allows")
    alternative_label = serializers.CharField(allow_blank=True)
    claim_with_alternative = serializers.CharField(
        allow_null=True, help_text="The claims' refund with the alternative instead (null: not worked out)"
    )
    choice_earns = serializers.CharField(allow_null=True, help_text="What the choice earns over it")
    alternative_basis = serializers.CharField(
        allow_null=True,
        help_text="How the claims' refund with the alternative was worked out: whole_claim (the whole claim "
        "re-optimised with this export under the other type) or this_export (the same claim with only this "
        "export changed: the other exports' types and the lines' methods kept); null: not worked out",
    )
    alternative_basis_label = serializers.CharField(allow_null=True)
    explanation = serializers.CharField()
    steps = StepSerializer(many=True)
    refused = RefusedSerializer(many=True)


class TypeClaimSerializer(serializers.Serializer):
    provision = serializers.CharField()
    classes = serializers.DictField(child=serializers.CharField(), help_text="Accounting class -> cents")
    total = serializers.CharField()


class TypeTotalSerializer(serializers.Serializer):
    type = serializers.CharField()
    label = serializers.CharField()
    exports = serializers.IntegerField()
    refund = serializers.CharField(help_text="Exact, before each claim's rounding")


class TypeDesignationSerializer(serializers.Serializer):
    entry_number = serializers.CharField()
    line_number = serializers.IntegerField()
    export_ref = serializers.CharField()
    type = serializers.CharField()
    provision = serializers.CharField()
    quantity = serializers.CharField()
    amounts = serializers.DictField(child=serializers.CharField(), help_text="Exact, by accounting class")
    calculated = serializers.DictField(child=serializers.CharField(), help_text="Before the lesser-of")
    component = serializers.CharField(allow_blank=True)
    lot = serializers.CharField(allow_blank=True)
    basis = serializers.CharField(allow_blank=True)
    ruling = serializers.CharField(allow_blank=True)
    substituted_value = serializers.CharField(allow_null=True)


class AlternativeBasisSerializer(serializers.Serializer):
    basis = serializers.CharField(help_text="whole_claim or this_export")
    label = serializers.CharField()
    help = serializers.CharField(help_text="What the comparison holds fixed")


class TypeChoiceResultSerializer(serializers.Serializer):
    refund = serializers.CharField(help_text="Sum of every claim's classes, each rounded once to cents")
    exact = serializers.CharField()
    exports = serializers.IntegerField()
    alternatives = serializers.BooleanField(help_text="Whether the alternative of each export was worked out")
    alternative_basis = AlternativeBasisSerializer(
        allow_null=True, help_text="How the alternatives were worked out (null: not worked out)"
    )
    seconds = serializers.FloatField()
    claims = TypeClaimSerializer(many=True)
    by_type = TypeTotalSerializer(many=True)
    choices = ExportChoiceSerializer(many=True)
    designations = TypeDesignationSerializer(many=True)


class TypeChoiceRunSerializer(serializers.ModelSerializer):
    client = serializers.SlugRelatedField(slug_field="code", read_only=True)
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    stale = serializers.SerializerMethodField()
    result = TypeChoiceResultSerializer(read_only=True)
    claims = JobClaimSerializer(many=True, read_only=True)

    class Meta:
        model = TypeChoiceRun
        fields = [
            "id",
            "client",
            "filing_date",
            "requested_by",
            "status",
            "status_label",
            "created_at",
            "finished_at",
            "refund",
            "stale",
            "result",
            "claims",
        ]
        read_only_fields = fields

    def get_stale(self, run: TypeChoiceRun) -> bool:
        """The client's data changed since the choice was computed: it can no longer be saved."""
        return is_stale(run)


def _accepted(job: Job) -> Response:
    job.refresh_from_db()  # without a worker the job has already run
    response = Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
    response["Location"] = reverse("api-job-detail", kwargs={"pk": job.pk})
    return response


class TypeChoiceStartApi(APIView):
    """Choose the drawback type of each export of the client for a filing date, on a worker: 202 with the
    job to follow at /api/v1/jobs/<id>/ (its `type_choice` is then read at .../type-choices/latest/); 409
    while a choice or a save of the client's type choice is under way."""

    throttle_classes = [ExpensiveRateThrottle]

    @extend_schema(request=TypeChoiceStartSerializer, responses={202: JobSerializer, 409: Problem})
    def post(self, request: Request, client_code: str) -> Response:
        require_staff(request.user)
        client = client_for_code(request.user, client_code)
        data = TypeChoiceStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        filing_date = data.validated_data.get("filing_date") or timezone.localdate()
        try:
            job = services.type_choice_start(client=client, user=request.user, filing_date=filing_date)
        except BuildError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return _accepted(job)


class TypeChoiceLatestApi(APIView):
    """The client's latest computed type choice (404 if none yet)."""

    @extend_schema(responses=TypeChoiceRunSerializer)
    def get(self, request: Request, client_code: str) -> Response:
        require_staff(request.user)
        client = client_for_code(request.user, client_code)
        run = latest_run(client)
        if run is None:
            raise Http404
        return Response(TypeChoiceRunSerializer(run).data)


class TypeChoiceSaveApi(APIView):
    """Save a computed type choice as draft claims, exactly as chosen, on a worker: 202 with the job (its
    `claims` once done; if the client's data changed since the choice, it fails saying so and saves
    nothing). 409 when not computed, already saved, or a type job of the client is under way."""

    throttle_classes = [ExpensiveRateThrottle]

    @extend_schema(request=None, responses={202: JobSerializer, 409: Problem})
    def post(self, request: Request, pk: int) -> Response:
        require_staff(request.user)
        run = get_scoped_or_404(TypeChoiceRun.objects.select_related("client"), request.user, pk=pk)
        try:
            job = services.type_choice_save_start(run=run, user=request.user)
        except BuildError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return _accepted(job)
