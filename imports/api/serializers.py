"""Output and input shapes of the imports API. Money and quantities are strings (exact decimals); dates are
ISO 8601."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import Document, ImportEntry, ImportLine, LineCh99Duty


class LineCh99DutySerializer(serializers.ModelSerializer):
    class Meta:
        model = LineCh99Duty
        fields = ["ordinal", "number", "amount"]


class ImportLineSerializer(serializers.ModelSerializer):
    entry_number = serializers.CharField(source="entry.entry_number", read_only=True)
    ch99_duties = LineCh99DutySerializer(many=True, read_only=True)

    class Meta:
        model = ImportLine
        fields = [
            "id",
            "entry_number",
            "line_number",
            "import_date",
            "hts",
            "description",
            "part",
            "country_of_origin",
            "country_of_export",
            "manufacturer_id",
            "spi",
            "quantity",
            "uom",
            "entered_value",
            "duty",
            "mpf",
            "hmf",
            "other_taxes",
            "mpf_exempt",
            "quantity_available",
            "designation_method",
            "ch99_duties",
        ]


class EntryLineSerializer(ImportLineSerializer):
    class Meta(ImportLineSerializer.Meta):
        fields = [f for f in ImportLineSerializer.Meta.fields if f != "entry_number"]


class ImportEntrySerializer(serializers.ModelSerializer):
    line_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = ImportEntry
        fields = [
            "id",
            "entry_number",
            "entry_type",
            "port_code",
            "importer_number",
            "importer_name",
            "entry_date",
            "import_date",
            "entry_summary_date",
            "liquidation_date",
            "liquidation_status",
            "reconciliation",
            "mpf",
            "hmf",
            "line_count",
        ]


class ImportEntryDetailSerializer(ImportEntrySerializer):
    lines = EntryLineSerializer(many=True, read_only=True)
    documents = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta(ImportEntrySerializer.Meta):
        fields = [*ImportEntrySerializer.Meta.fields, "lines", "documents"]


class DocumentSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.CharField(source="uploaded_by.username", read_only=True, default=None)
    entry_numbers = serializers.SlugRelatedField(
        source="import_entries", slug_field="entry_number", many=True, read_only=True
    )
    export_ids = serializers.PrimaryKeyRelatedField(source="exports", many=True, read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id",
            "doc_type",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "note",
            "uploaded_by",
            "uploaded_at",
            "entry_numbers",
            "export_ids",
            "download_url",
        ]

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, document) -> str:
        url = reverse("api-document-download", args=[document.client.code, document.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class DocumentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    doc_type = serializers.ChoiceField(choices=Document.Type.choices)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    entry_numbers = serializers.ListField(
        child=serializers.CharField(max_length=20), required=False, default=list
    )
    export_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list
    )


class DocumentAttachSerializer(serializers.Serializer):
    entry_numbers = serializers.ListField(
        child=serializers.CharField(max_length=20), required=False, default=list
    )
    export_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list
    )

    def validate(self, attrs):
        if not attrs["entry_numbers"] and not attrs["export_ids"]:
            raise serializers.ValidationError("Give entry_numbers or export_ids.")
        return attrs
