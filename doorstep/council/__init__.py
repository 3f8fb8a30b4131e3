"""难事议 — hard matters decided together: owners' votes under Civil Code arts. 278–279."""
