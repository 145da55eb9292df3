from __future__ import annotations

from django.urls import path

from accounts.api import views

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path("me/", views.MeView.as_view(), name="api-me"),
    path("me/consents/research/", views.ResearchConsentView.as_view(), name="api-consent"),
    path("sharing/codes/", views.ShareCodeCreateView.as_view(), name="api-share-codes"),
    path("sharing/redeem/", views.ShareCodeRedeemView.as_view(), name="api-share-redeem"),
    path("sharing/links/", views.SharingLinkListView.as_view(), name="api-links"),
    path(
        "sharing/links/<uuid:public_id>/",
        views.SharingLinkDetailView.as_view(),
        name="api-link-detail",
    ),
    path("sharing/invites/", views.InviteListCreateView.as_view(), name="api-invites"),
    path(
        "sharing/invites/<uuid:public_id>/accept/",
        views.InviteDecisionView.as_view(accept=True),
        name="api-invite-accept",
    ),
    path(
        "sharing/invites/<uuid:public_id>/decline/",
        views.InviteDecisionView.as_view(accept=False),
        name="api-invite-decline",
    ),
]
