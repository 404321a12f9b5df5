"""Upload of a file of verbali or device events, which starts an import job."""
