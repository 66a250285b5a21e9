from django.urls import path

from . import views
from .building import views as building
from .manufacturing import records
from .manufacturing import views as manufacturing

app_name = "claims"

urlpatterns = [
    path("clients/<slug:code>/claims/", views.claim_list, name="list"),
    path("clients/<slug:code>/claims/<int:pk>/", views.claim_detail, name="detail"),
    path("clients/<slug:code>/claims/<int:pk>/do/<slug:action>/", views.claim_action, name="action"),
    path(
        "clients/<slug:code>/claims/<int:pk>/designations/<int:designation_pk>/remove/",
        views.designation_remove,
        name="designation-remove",
    ),
    # Claim building (staff) and money at risk (everyone who may see the client).
    path("clients/<slug:code>/claims/build/", building.build_new, name="build"),
    path("clients/<slug:code>/claims/build/<int:pk>/", building.build_detail, name="build-detail"),
    path("clients/<slug:code>/claims/build/<int:pk>/status/", building.build_status, name="build-status"),
    path("clients/<slug:code>/claims/build/<int:pk>/rerun/", building.build_rerun, name="build-rerun"),
    path("clients/<slug:code>/claims/build/<int:pk>/save/", building.build_save, name="build-save"),
    path("clients/<slug:code>/money-at-risk/", building.money_at_risk_page, name="money-at-risk"),
    # The drawback type per export: unused, manufacturing or rejected merchandise (staff), chosen and saved
    # as jobs on a worker.
    path("clients/<slug:code>/claims/types/", manufacturing.type_choice, name="types"),
    path("clients/<slug:code>/claims/types/run/", manufacturing.type_choice_start_view, name="types-run"),
    path("clients/<slug:code>/claims/types/save/", manufacturing.type_choice_save_view, name="types-save"),
    # A client's manufacturing records as loaded: bills of materials, production lots, rejected returns
    # (firm staff and the client's own users, read-only).
    path("clients/<slug:code>/manufacturing/boms/", records.bom_list, name="boms"),
    path("clients/<slug:code>/manufacturing/boms/<int:pk>/", records.bom_detail, name="bom"),
    path("clients/<slug:code>/manufacturing/lots/", records.lot_list, name="lots"),
    path("clients/<slug:code>/manufacturing/lots/<int:pk>/", records.lot_detail, name="lot"),
    path("clients/<slug:code>/manufacturing/returns/", records.return_list, name="returns"),
]
