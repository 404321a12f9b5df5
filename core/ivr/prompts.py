"""Spoken (text-to-speech) prompts of the phone line, one dict per language. These are TTS
texts tuned for listening, not UI strings, so they live here rather than in the gettext
catalogue. Placeholders use ``str.format`` names; every language has every key (tested)."""

from __future__ import annotations

LANGUAGES = ("it", "en", "fr", "de", "es")

# Twilio <Say>/<Gather> language code and an Amazon Polly voice that exists for it.
VOICES: dict[str, tuple[str, str]] = {
    "it": ("it-IT", "Polly.Bianca"),
    "en": ("en-GB", "Polly.Amy"),
    "fr": ("fr-FR", "Polly.Lea"),
    "de": ("de-DE", "Polly.Vicki"),
    "es": ("es-ES", "Polly.Lucia"),
}

# Keypad digit of each language in the first menu, and words recognised by speech.
LANGUAGE_KEYS = {"1": "it", "2": "en", "3": "fr", "4": "de", "5": "es"}
LANGUAGE_WORDS = {
    "it": ("italiano", "italian", "italien", "italienisch"),
    "en": ("english", "inglese", "anglais", "englisch", "inglés", "ingles"),
    "fr": ("français", "francais", "french", "francese", "französisch", "francés"),
    "de": ("deutsch", "german", "tedesco", "allemand", "alemán", "aleman"),
    "es": ("español", "espanol", "spanish", "spagnolo", "espagnol", "spanisch"),
}

PROMPTS: dict[str, dict[str, str]] = {
    "it": {
        "welcome": "Benvenuto nel servizio sanzioni di {ente}.",
        "choose_language": "Per l'italiano premi 1, oppure dì italiano.",
        "nav": "Per riascoltare premi asterisco, per tornare indietro premi zero.",
        "not_understood": "Scusa, non ho capito.",
        "to_operator": "Ti passo a un operatore. Resta in linea.",
        "closed": "L'ufficio ora è chiuso. Riapre {opening}. "
                  "Puoi vedere e pagare le tue multe sul portale {portal}.",
        "record": "Dopo il segnale lascia un messaggio con il tuo nome e il numero del verbale, "
                  "poi riaggancia.",
        "voicemail_thanks": "Grazie, il tuo messaggio è stato registrato. Arrivederci.",
        "topics": "Per pagare o conoscere l'importo premi 1. Per i ricorsi premi 2. "
                  "Per comunicare i dati del conducente premi 3. Per altro premi 4.",
        "pay_menu": "Per ascoltare l'importo da pagare premi 1. Per parlare con un operatore premi 2.",
        "ask_number": "Digita le cifre del numero del verbale, poi cancelletto.",
        "ask_pin": "Digita il PIN, poi cancelletto.",
        "bad_credentials": "Numero del verbale o PIN non corretti.",
        "too_many": "Troppi tentativi.",
        "amount": "Oggi l'importo da pagare per il verbale è {amount} euro.",
        "amount_changes": "L'importo cambia dal {date}.",
        "nothing_due": "Per questo verbale oggi non c'è nulla da pagare.",
        "ways_to_pay": "Puoi pagare con pagoPA in banca, alle poste, in tabaccheria, "
                       "con l'app IO o con carta sul portale {portal}.",
        "offer_sms": "Per ricevere il link di pagamento per SMS premi 1. "
                     "Per parlare con un operatore premi 2.",
        "sms_sent": "Ti abbiamo inviato un SMS con il link. Arrivederci.",
        "sms_body": "{ente}: paga il verbale {number} su {url}",
        "queue_position": "Sei il numero {position} in coda.",
        "queue_wait": "L'attesa stimata è di circa {minutes} minuti.",
        "callback_offer": "Per essere richiamato al posto dell'attesa premi 1.",
        "callback_ok": "Ti richiameremo a questo numero. Arrivederci.",
        "no_operator": "Al momento nessun operatore può rispondere.",
    },
    "en": {
        "welcome": "Welcome to the traffic fines service of {ente}.",
        "choose_language": "For English press 2, or say English.",
        "nav": "To hear this again press star, to go back press zero.",
        "not_understood": "Sorry, I did not understand.",
        "to_operator": "I am putting you through to an operator. Please hold.",
        "closed": "The office is closed now. It opens again {opening}. "
                  "You can see and pay your fines on the portal {portal}.",
        "record": "After the tone, leave a message with your name and the fine number, "
                  "then hang up.",
        "voicemail_thanks": "Thank you, your message has been recorded. Goodbye.",
        "topics": "To pay or hear the amount press 1. For appeals press 2. "
                  "To give the driver's details press 3. For anything else press 4.",
        "pay_menu": "To hear the amount due press 1. To speak to an operator press 2.",
        "ask_number": "Type the digits of the fine number, then hash.",
        "ask_pin": "Type your PIN, then hash.",
        "bad_credentials": "The fine number or the PIN is not correct.",
        "too_many": "Too many attempts.",
        "amount": "The amount due today for this fine is {amount} euros.",
        "amount_changes": "The amount changes on {date}.",
        "nothing_due": "Nothing is due today for this fine.",
        "ways_to_pay": "You can pay with pagoPA at banks, post offices, tobacconists, "
                       "in the IO app or by card on the portal {portal}.",
        "offer_sms": "To receive the payment link by text message press 1. "
                     "To speak to an operator press 2.",
        "sms_sent": "We have sent you a text message with the link. Goodbye.",
        "sms_body": "{ente}: pay fine {number} at {url}",
        "queue_position": "You are number {position} in the queue.",
        "queue_wait": "The estimated wait is about {minutes} minutes.",
        "callback_offer": "To be called back instead of waiting press 1.",
        "callback_ok": "We will call you back on this number. Goodbye.",
        "no_operator": "No operator can take your call right now.",
    },
    "fr": {
        "welcome": "Bienvenue au service des amendes de {ente}.",
        "choose_language": "Pour le français tapez 3, ou dites français.",
        "nav": "Pour réécouter tapez étoile, pour revenir en arrière tapez zéro.",
        "not_understood": "Désolé, je n'ai pas compris.",
        "to_operator": "Je vous passe un opérateur. Veuillez patienter.",
        "closed": "Le bureau est fermé. Il rouvre {opening}. "
                  "Vous pouvez consulter et payer vos amendes sur le portail {portal}.",
        "record": "Après le bip, laissez un message avec votre nom et le numéro du procès-verbal, "
                  "puis raccrochez.",
        "voicemail_thanks": "Merci, votre message a été enregistré. Au revoir.",
        "topics": "Pour payer ou connaître le montant tapez 1. Pour les recours tapez 2. "
                  "Pour communiquer les données du conducteur tapez 3. Pour autre chose tapez 4.",
        "pay_menu": "Pour entendre le montant dû tapez 1. Pour parler à un opérateur tapez 2.",
        "ask_number": "Tapez les chiffres du numéro du procès-verbal, puis dièse.",
        "ask_pin": "Tapez votre code PIN, puis dièse.",
        "bad_credentials": "Le numéro du procès-verbal ou le code PIN n'est pas correct.",
        "too_many": "Trop de tentatives.",
        "amount": "Le montant dû aujourd'hui pour ce procès-verbal est de {amount} euros.",
        "amount_changes": "Le montant change le {date}.",
        "nothing_due": "Rien n'est dû aujourd'hui pour ce procès-verbal.",
        "ways_to_pay": "Vous pouvez payer avec pagoPA en banque, à la poste, dans un bureau de tabac, "
                       "dans l'application IO ou par carte sur le portail {portal}.",
        "offer_sms": "Pour recevoir le lien de paiement par SMS tapez 1. "
                     "Pour parler à un opérateur tapez 2.",
        "sms_sent": "Nous vous avons envoyé un SMS avec le lien. Au revoir.",
        "sms_body": "{ente} : payez le procès-verbal {number} sur {url}",
        "queue_position": "Vous êtes le numéro {position} dans la file d'attente.",
        "queue_wait": "L'attente estimée est d'environ {minutes} minutes.",
        "callback_offer": "Pour être rappelé au lieu d'attendre tapez 1.",
        "callback_ok": "Nous vous rappellerons à ce numéro. Au revoir.",
        "no_operator": "Aucun opérateur ne peut vous répondre pour le moment.",
    },
    "de": {
        "welcome": "Willkommen beim Bußgelddienst von {ente}.",
        "choose_language": "Für Deutsch drücken Sie 4, oder sagen Sie Deutsch.",
        "nav": "Zum Wiederholen drücken Sie Stern, zurück mit Null.",
        "not_understood": "Entschuldigung, das habe ich nicht verstanden.",
        "to_operator": "Ich verbinde Sie mit einem Mitarbeiter. Bitte bleiben Sie dran.",
        "closed": "Das Büro ist jetzt geschlossen. Es öffnet wieder {opening}. "
                  "Sie können Ihre Bußgelder im Portal {portal} ansehen und bezahlen.",
        "record": "Hinterlassen Sie nach dem Signalton Ihren Namen und die Nummer des Bußgeldbescheids, "
                  "dann legen Sie auf.",
        "voicemail_thanks": "Danke, Ihre Nachricht wurde aufgezeichnet. Auf Wiederhören.",
        "topics": "Zum Bezahlen oder für den Betrag drücken Sie 1. Für Einsprüche drücken Sie 2. "
                  "Für die Angaben zum Fahrer drücken Sie 3. Für alles andere drücken Sie 4.",
        "pay_menu": "Um den fälligen Betrag zu hören drücken Sie 1. "
                    "Für einen Mitarbeiter drücken Sie 2.",
        "ask_number": "Geben Sie die Ziffern der Bescheidnummer ein, dann die Raute.",
        "ask_pin": "Geben Sie Ihre PIN ein, dann die Raute.",
        "bad_credentials": "Die Bescheidnummer oder die PIN ist nicht richtig.",
        "too_many": "Zu viele Versuche.",
        "amount": "Der heute fällige Betrag für diesen Bescheid ist {amount} Euro.",
        "amount_changes": "Der Betrag ändert sich am {date}.",
        "nothing_due": "Für diesen Bescheid ist heute nichts zu zahlen.",
        "ways_to_pay": "Sie können mit pagoPA bei Banken, der Post, in Tabakläden, in der App IO "
                       "oder mit Karte im Portal {portal} bezahlen.",
        "offer_sms": "Um den Zahlungslink per SMS zu erhalten drücken Sie 1. "
                     "Für einen Mitarbeiter drücken Sie 2.",
        "sms_sent": "Wir haben Ihnen eine SMS mit dem Link geschickt. Auf Wiederhören.",
        "sms_body": "{ente}: Bescheid {number} bezahlen unter {url}",
        "queue_position": "Sie sind an Position {position} in der Warteschlange.",
        "queue_wait": "Die geschätzte Wartezeit beträgt etwa {minutes} Minuten.",
        "callback_offer": "Für einen Rückruf statt zu warten drücken Sie 1.",
        "callback_ok": "Wir rufen Sie unter dieser Nummer zurück. Auf Wiederhören.",
        "no_operator": "Im Moment kann kein Mitarbeiter Ihren Anruf annehmen.",
    },
    "es": {
        "welcome": "Bienvenido al servicio de multas de {ente}.",
        "choose_language": "Para español pulse 5, o diga español.",
        "nav": "Para volver a escuchar pulse asterisco, para volver atrás pulse cero.",
        "not_understood": "Lo siento, no he entendido.",
        "to_operator": "Le paso con un operador. No cuelgue.",
        "closed": "La oficina está cerrada. Vuelve a abrir {opening}. "
                  "Puede ver y pagar sus multas en el portal {portal}.",
        "record": "Después de la señal, deje un mensaje con su nombre y el número de la multa, "
                  "y cuelgue.",
        "voicemail_thanks": "Gracias, su mensaje ha sido grabado. Adiós.",
        "topics": "Para pagar o conocer el importe pulse 1. Para recursos pulse 2. "
                  "Para comunicar los datos del conductor pulse 3. Para otras consultas pulse 4.",
        "pay_menu": "Para escuchar el importe a pagar pulse 1. Para hablar con un operador pulse 2.",
        "ask_number": "Marque las cifras del número de la multa y luego almohadilla.",
        "ask_pin": "Marque su PIN y luego almohadilla.",
        "bad_credentials": "El número de la multa o el PIN no son correctos.",
        "too_many": "Demasiados intentos.",
        "amount": "El importe a pagar hoy por esta multa es de {amount} euros.",
        "amount_changes": "El importe cambia el {date}.",
        "nothing_due": "Hoy no hay nada que pagar por esta multa.",
        "ways_to_pay": "Puede pagar con pagoPA en bancos, correos, estancos, "
                       "en la app IO o con tarjeta en el portal {portal}.",
        "offer_sms": "Para recibir el enlace de pago por SMS pulse 1. "
                     "Para hablar con un operador pulse 2.",
        "sms_sent": "Le hemos enviado un SMS con el enlace. Adiós.",
        "sms_body": "{ente}: pague la multa {number} en {url}",
        "queue_position": "Usted es el número {position} en la cola.",
        "queue_wait": "La espera estimada es de unos {minutes} minutos.",
        "callback_offer": "Para que le llamemos en lugar de esperar pulse 1.",
        "callback_ok": "Le llamaremos a este número. Adiós.",
        "no_operator": "En este momento ningún operador puede atender su llamada.",
    },
}


def text(lang: str, key: str, **values: object) -> str:
    lang = lang if lang in PROMPTS else "it"
    return PROMPTS[lang][key].format(**values)
