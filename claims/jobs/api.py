"""Work running on a worker, as the API follows it.

GET /api/v1/jobs/<id>/    status, progress and outcome of a job (e.g. a claim build's save, a drawback type
                          choice or its save, answered 202 with their job); the claims it saved once done.
                          Scoped like the job's progress on the pages: a client's jobs for whoever may see
                          the client, firm-wide ones for the person who asked.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import Job
from .selectors import jobs_visible_to


class JobClaimSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    display_number = serializers.CharField()
    provision = serializers.CharField()
    status = serializers.CharField()


class JobSerializer(serializers.ModelSerializer):
    client = serializers.SlugRelatedField(slug_field="code", read_only=True)
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    claims = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "kind_label",
            "status",
            "status_label",
            "progress",
            "message",
            "client",
            "claim",
            "build",
            "type_choice",
            "requested_by",
            "created_at",
            "finished_at",
            "claims",
        ]
        read_only_fields = fields

    @extend_schema_field(JobClaimSerializer(many=True))
    def get_claims(self, job: Job) -> list[dict]:
        """The draft claims a finished save (of a build or a type choice) made; empty otherwise."""
        from claims.models import Claim

        if job.status != Job.Status.DONE:
            return []
        if job.kind == Job.Kind.BUILD_SAVE and job.build_id is not None:
            claims = Claim.objects.filter(build_id=job.build_id)
        elif job.kind == Job.Kind.TYPE_SAVE and job.type_choice_id is not None:
            claims = job.type_choice.claims.all()
        else:
            return []
        return JobClaimSerializer(claims.order_by("provision", "number"), many=True).data


class JobDetailApi(APIView):
    """A job's status and progress while it runs, its outcome once it ends (poll until `status` is `done` or
    `failed`)."""

    @extend_schema(responses=JobSerializer)
    def get(self, request: Request, pk: int) -> Response:
        job = get_object_or_404(jobs_visible_to(request.user).select_related("client", "requested_by"), pk=pk)
        return Response(JobSerializer(job).data)
