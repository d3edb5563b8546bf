"""Albums: filled by the albums issue (create, organise, move, download as ZIP)."""
