"""URLs of the catalogue (« Formations », « Sites », « Promotions » in the « Outils » menu)."""

from django.urls import path

from alternance.catalogue import views

app_name = "catalogue"

urlpatterns = [
    path("formations/", views.ProgrammeListView.as_view(), name="programme_list"),
    path("formations/nouvelle/", views.programme_create, name="programme_create"),
    path("formations/<int:pk>/", views.programme_detail, name="programme_detail"),
    path("formations/<int:pk>/modifier/", views.programme_edit, name="programme_edit"),
    path("formations/<int:pk>/archiver/", views.programme_archive, name="programme_archive"),
    path("formations/<int:pk>/restaurer/", views.programme_restore, name="programme_restore"),
    path("formations/<int:pk>/blocs/ajouter/", views.block_create, name="block_create"),
    path("formations/<int:pk>/blocs/<int:block_pk>/modifier/", views.block_edit, name="block_edit"),
    path("formations/<int:pk>/blocs/<int:block_pk>/supprimer/", views.block_delete, name="block_delete"),
    path("sites/", views.SiteListView.as_view(), name="site_list"),
    path("sites/nouveau/", views.site_create, name="site_create"),
    path("sites/<int:pk>/", views.site_detail, name="site_detail"),
    path("sites/<int:pk>/modifier/", views.site_edit, name="site_edit"),
    path("sites/<int:pk>/archiver/", views.site_archive, name="site_archive"),
    path("sites/<int:pk>/restaurer/", views.site_restore, name="site_restore"),
    path("promotions/", views.CohortListView.as_view(), name="cohort_list"),
    path("promotions/nouvelle/", views.cohort_create, name="cohort_create"),
    path("promotions/<int:pk>/", views.cohort_detail, name="cohort_detail"),
    path("promotions/<int:pk>/modifier/", views.cohort_edit, name="cohort_edit"),
    path("promotions/<int:pk>/archiver/", views.cohort_archive, name="cohort_archive"),
    path("promotions/<int:pk>/restaurer/", views.cohort_restore, name="cohort_restore"),
]
