"""The extranet: invitations, the apprentice's and the employer's spaces and pages."""
