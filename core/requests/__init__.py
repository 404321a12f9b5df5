"""Citizen requests from the portal: the public forms held until the e-mail is verified
(:mod:`.public`), the message thread on each verbale (:mod:`.messages`) and the public check
of a letter's verification code (:mod:`.letters`)."""
