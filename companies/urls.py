from django.urls import path

from companies import views

app_name = "companies"

urlpatterns = [
    path("", views.CompanyListView.as_view(), name="company_list"),
    path("nouvelle/", views.company_create, name="company_create"),
    path("<int:pk>/", views.company_detail, name="company_detail"),
    path("<int:pk>/modifier/", views.company_edit, name="company_edit"),
    path("<int:pk>/archiver/", views.company_archive, name="company_archive"),
    path("<int:pk>/restaurer/", views.company_restore, name="company_restore"),
    path("<int:pk>/contacts/nouveau/", views.contact_create, name="contact_create"),
    path("contacts/<int:pk>/modifier/", views.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/desactiver/", views.contact_set_active, {"active": False}, name="contact_deactivate"),
    path("contacts/<int:pk>/reactiver/", views.contact_set_active, {"active": True}, name="contact_reactivate"),
    path("<int:pk>/echanges/nouveau/", views.interaction_log, name="interaction_log"),
    path("<int:pk>/sensible/", views.company_sensitive, name="company_sensitive"),
    path("relances/", views.FollowUpListView.as_view(), name="follow_ups"),
    path("relances/<int:pk>/faite/", views.follow_up_done, name="follow_up_done"),
    path("portefeuilles/", views.portfolio_reassign, name="portfolio_reassign"),
    path("placement/", views.placement_desk, name="placement_desk"),
    path("placement/apprenti/<int:pk>/", views.placement_learner, name="placement_learner"),
    path("placement/apprenti/<int:pk>/proposer/", views.placement_propose, name="placement_propose"),
    path("placement/<int:pk>/etape/<slug:to>/", views.placement_move, name="placement_move"),
    path("offres/", views.OfferListView.as_view(), name="offer_list"),
    path("offres/nouvelle/", views.offer_create, name="offer_create"),
    path("offres/<int:pk>/modifier/", views.offer_edit, name="offer_edit"),
    path("offres/<int:pk>/fermer/", views.offer_close, name="offer_close"),
]
