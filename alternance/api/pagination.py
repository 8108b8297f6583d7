"""Page-number pagination of the read API: 50 rows by default, ``page_size`` up to 500."""

from django.utils.translation import gettext_lazy as _
from rest_framework.pagination import PageNumberPagination

from alternance.views.mixins import KeysFirstPaginator

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


class ApiPagination(PageNumberPagination):
    """``{"count", "next", "previous", "results"}``; follow ``next`` until it is null."""

    # A page's keys first, then its rows (issue 18 §2): the deep pages no longer sort the wide join.
    django_paginator_class = KeysFirstPaginator
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    page_size_query_description = _("Nombre de résultats par page (50 par défaut, 500 au plus).")
    page_query_description = _("Numéro de la page (à partir de 1).")
    max_page_size = MAX_PAGE_SIZE
    invalid_page_message = _(
        "Page « {page_number} » introuvable ({message}). Repartez de la page 1 et suivez le lien « next » des réponses."
    )
