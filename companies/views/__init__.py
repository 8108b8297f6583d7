"""CRM and placement desk pages (issue 5 §2–3). Staff only; writes go through ``companies.services``."""

from companies.views.crm import (  # noqa: F401
    CompanyListView,
    FollowUpListView,
    company_detail,
    company_sensitive,
    follow_up_done,
    interaction_log,
    portfolio_reassign,
)
from companies.views.placement import (  # noqa: F401
    OfferListView,
    offer_close,
    offer_create,
    offer_edit,
    placement_desk,
    placement_learner,
    placement_move,
    placement_propose,
)
from companies.views.records import (  # noqa: F401
    company_archive,
    company_create,
    company_edit,
    company_restore,
    contact_create,
    contact_edit,
    contact_set_active,
)
