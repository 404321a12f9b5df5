"""The demo's violation catalogue: articles of the Codice della Strada that municipal police
forces fine most often, with descriptions in the portal's five languages and the edictal
amounts of the 2019 table (D.M. 31 December 2018, in force from 1 January 2019; the biennial
ISTAT update was then suspended). Mobile-phone use carries a second version: L. 177/2024
raised it from 14 December 2024.

Flags follow fines-law §1: no 30 % reduction when the violation carries licence suspension or
vehicle confiscation; no reduced payment at all for the refusal to present documents
(art. 180 c. 8). ``cross_border`` marks the offences of Directive (EU) 2015/413 (speeding,
seat belt, red light, drink-driving, helmet, forbidden lane, mobile phone; driving under drugs
is a criminal offence and is not in a municipal catalogue).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

TABLE_2019 = date(2019, 1, 1)
LAW_177_2024 = date(2024, 12, 14)


@dataclass(frozen=True)
class CatalogueEntry:
    code: str
    article: str
    description: dict[str, str]
    amounts: tuple[tuple[Decimal, Decimal, date, date | None], ...]
    licence_points: int = 0
    reduced_payment_allowed: bool = True
    discount_30_allowed: bool = True
    accessory_sanctions: tuple[str, ...] = ()
    cross_border: bool = False


def _amount(minimum: str, maximum: str, valid_from: date = TABLE_2019,
            valid_to: date | None = None) -> tuple[Decimal, Decimal, date, date | None]:
    return Decimal(minimum), Decimal(maximum), valid_from, valid_to


def _d(it: str, en: str, fr: str, de: str, es: str) -> dict[str, str]:
    return {"it": it, "en": en, "fr": fr, "de": de, "es": es}


CATALOGUE: tuple[CatalogueEntry, ...] = (
    CatalogueEntry(
        "7.14-ZTL", "art. 7 c. 9 e 14 CdS",
        _d("Transito in zona a traffico limitato (ZTL) senza autorizzazione",
           "Driving in a limited traffic zone (ZTL) without authorisation",
           "Circulation dans une zone à trafic limité (ZTL) sans autorisation",
           "Einfahrt in eine Zone mit beschränktem Verkehr (ZTL) ohne Genehmigung",
           "Circulación en una zona de tráfico limitado (ZTL) sin autorización"),
        (_amount("83.00", "332.00"),),
    ),
    CatalogueEntry(
        "7.14-BUS", "art. 7 c. 14 CdS",
        _d("Transito sulla corsia riservata ai mezzi pubblici",
           "Driving in a lane reserved for public transport",
           "Circulation sur une voie réservée aux transports publics",
           "Befahren eines Sonderfahrstreifens für Linienbusse",
           "Circulación por un carril reservado al transporte público"),
        (_amount("83.00", "332.00"),), cross_border=True,
    ),
    CatalogueEntry(
        "7.15-SOSTA", "art. 7 c. 1 e 15 CdS",
        _d("Sosta senza titolo o oltre l'orario pagato in area di sosta a pagamento",
           "Parking without a valid ticket or beyond the paid time in a pay-and-display area",
           "Stationnement sans titre valable ou au-delà de la durée payée dans une zone payante",
           "Parken ohne gültigen Parkschein oder über die bezahlte Parkzeit hinaus",
           "Estacionamiento sin tique válido o superando el tiempo abonado en zona de pago"),
        (_amount("42.00", "173.00"),),
    ),
    CatalogueEntry(
        "141.8", "art. 141 c. 3 e 8 CdS",
        _d("Mancata moderazione della velocità in prossimità di intersezioni, curve o scuole",
           "Failing to slow down near junctions, bends or schools",
           "Défaut de réduction de la vitesse à l'approche d'intersections, de virages ou d'écoles",
           "Nicht angepasste Geschwindigkeit an Kreuzungen, in Kurven oder vor Schulen",
           "No moderar la velocidad en intersecciones, curvas o cerca de colegios"),
        (_amount("42.00", "173.00"),), licence_points=5,
    ),
    CatalogueEntry(
        "142.7", "art. 142 c. 7 CdS",
        _d("Superamento dei limiti di velocità di non oltre 10 km/h",
           "Exceeding the speed limit by no more than 10 km/h",
           "Dépassement de la vitesse maximale autorisée de 10 km/h au plus",
           "Überschreitung der zulässigen Höchstgeschwindigkeit um höchstens 10 km/h",
           "Exceso del límite de velocidad en no más de 10 km/h"),
        (_amount("42.00", "173.00"),), cross_border=True,
    ),
    CatalogueEntry(
        "142.8", "art. 142 c. 8 CdS",
        _d("Superamento dei limiti di velocità di oltre 10 e non oltre 40 km/h",
           "Exceeding the speed limit by more than 10 and no more than 40 km/h",
           "Dépassement de la vitesse maximale autorisée de plus de 10 km/h et de 40 km/h au plus",
           "Überschreitung der zulässigen Höchstgeschwindigkeit um mehr als 10 und höchstens 40 km/h",
           "Exceso del límite de velocidad en más de 10 y no más de 40 km/h"),
        (_amount("173.00", "694.00"),), licence_points=3, cross_border=True,
    ),
    CatalogueEntry(
        "142.9", "art. 142 c. 9 CdS",
        _d("Superamento dei limiti di velocità di oltre 40 e non oltre 60 km/h",
           "Exceeding the speed limit by more than 40 and no more than 60 km/h",
           "Dépassement de la vitesse maximale autorisée de plus de 40 km/h et de 60 km/h au plus",
           "Überschreitung der zulässigen Höchstgeschwindigkeit um mehr als 40 und höchstens 60 km/h",
           "Exceso del límite de velocidad en más de 40 y no más de 60 km/h"),
        (_amount("543.00", "2170.00"),), licence_points=6, discount_30_allowed=False,
        accessory_sanctions=("licence_suspension",), cross_border=True,
    ),
    CatalogueEntry(
        "142.9-bis", "art. 142 c. 9-bis CdS",
        _d("Superamento dei limiti di velocità di oltre 60 km/h",
           "Exceeding the speed limit by more than 60 km/h",
           "Dépassement de la vitesse maximale autorisée de plus de 60 km/h",
           "Überschreitung der zulässigen Höchstgeschwindigkeit um mehr als 60 km/h",
           "Exceso del límite de velocidad en más de 60 km/h"),
        (_amount("845.00", "3382.00"),), licence_points=10, discount_30_allowed=False,
        accessory_sanctions=("licence_suspension",), cross_border=True,
    ),
    CatalogueEntry(
        "146.3", "art. 146 c. 3 CdS",
        _d("Prosecuzione della marcia nonostante il semaforo rosso",
           "Failing to stop at a red traffic light",
           "Franchissement d'un feu rouge",
           "Missachtung des Rotlichts einer Lichtzeichenanlage",
           "No detenerse ante un semáforo en rojo"),
        (_amount("167.00", "665.00"),), licence_points=6, cross_border=True,
    ),
    CatalogueEntry(
        "157.8", "art. 157 c. 6 e 8 CdS",
        _d("Sosta oltre il tempo consentito o senza esporre il disco orario",
           "Parking beyond the permitted time or without displaying the parking disc",
           "Stationnement au-delà de la durée autorisée ou sans disque de stationnement",
           "Parken über die zulässige Parkdauer hinaus oder ohne Parkscheibe",
           "Estacionamiento superando el tiempo permitido o sin disco horario"),
        (_amount("42.00", "173.00"),),
    ),
    CatalogueEntry(
        "158.2", "art. 158 c. 2 e 5 CdS",
        _d("Sosta sul marciapiede, sugli attraversamenti pedonali o davanti ai passi carrabili",
           "Parking on the pavement, on a pedestrian crossing or in front of a driveway",
           "Stationnement sur le trottoir, sur un passage piéton ou devant une entrée carrossable",
           "Parken auf dem Gehweg, auf einem Fußgängerüberweg oder vor einer Einfahrt",
           "Estacionamiento en la acera, en un paso de peatones o delante de un vado"),
        (_amount("42.00", "173.00"),),
    ),
    CatalogueEntry(
        "171.1", "art. 171 c. 1 e 2 CdS",
        _d("Guida di motociclo o ciclomotore senza casco protettivo allacciato",
           "Riding a motorcycle or moped without a fastened safety helmet",
           "Conduite d'une moto ou d'un cyclomoteur sans casque attaché",
           "Fahren eines Motorrads oder Mopeds ohne geschlossenen Schutzhelm",
           "Conducir una motocicleta o un ciclomotor sin el casco abrochado"),
        (_amount("83.00", "332.00"),), licence_points=5,
        accessory_sanctions=("vehicle_detention",), cross_border=True,
    ),
    CatalogueEntry(
        "172.1", "art. 172 c. 1 e 10 CdS",
        _d("Mancato uso delle cinture di sicurezza",
           "Not wearing a seat belt",
           "Défaut de port de la ceinture de sécurité",
           "Nichtanlegen des Sicherheitsgurts",
           "No utilizar el cinturón de seguridad"),
        (_amount("83.00", "332.00"),), licence_points=5, cross_border=True,
    ),
    CatalogueEntry(
        "173.2", "art. 173 c. 2 e 3-bis CdS",
        _d("Uso alla guida del telefono cellulare senza vivavoce o auricolare",
           "Using a hand-held mobile phone while driving",
           "Usage d'un téléphone tenu en main en conduisant",
           "Benutzung eines Mobiltelefons am Steuer ohne Freisprecheinrichtung",
           "Uso del teléfono móvil durante la conducción sin dispositivo manos libres"),
        (_amount("165.00", "660.00", TABLE_2019, date(2024, 12, 13)),
         _amount("250.00", "1000.00", LAW_177_2024)),
        licence_points=5, cross_border=True,
    ),
    CatalogueEntry(
        "180.1", "art. 180 c. 1 e 7 CdS",
        _d("Guida senza avere con sé la patente o la carta di circolazione",
           "Driving without carrying the driving licence or the vehicle registration certificate",
           "Conduite sans être en possession du permis de conduire ou du certificat d'immatriculation",
           "Fahren ohne Mitführen des Führerscheins oder der Zulassungsbescheinigung",
           "Conducir sin llevar el permiso de conducir o el permiso de circulación"),
        (_amount("42.00", "173.00"),),
    ),
    CatalogueEntry(
        "180.8", "art. 180 c. 8 CdS",
        _d("Mancata esibizione dei documenti all'ufficio di polizia entro il termine dell'invito",
           "Failing to show the documents at the police office by the date requested",
           "Défaut de présentation des documents au bureau de police dans le délai imparti",
           "Nichtvorlage der Dokumente bei der Polizeidienststelle innerhalb der gesetzten Frist",
           "No presentar los documentos en la oficina de policía en el plazo indicado"),
        (_amount("430.00", "1731.00"),), reduced_payment_allowed=False,
        discount_30_allowed=False,
    ),
    CatalogueEntry(
        "186.2a", "art. 186 c. 2 lett. a CdS",
        _d("Guida in stato di ebbrezza con tasso alcolemico superiore a 0,5 e non superiore a 0,8 g/l",
           "Drink-driving with a blood alcohol level above 0.5 and up to 0.8 g/l",
           "Conduite en état alcoolique avec un taux supérieur à 0,5 g/l et jusqu'à 0,8 g/l",
           "Fahren unter Alkoholeinfluss mit mehr als 0,5 und höchstens 0,8 Promille",
           "Conducción con una tasa de alcohol en sangre superior a 0,5 g/l y de hasta 0,8 g/l"),
        (_amount("543.00", "2170.00"),), licence_points=10, discount_30_allowed=False,
        accessory_sanctions=("licence_suspension",), cross_border=True,
    ),
    CatalogueEntry(
        "193.2", "art. 193 c. 2 CdS",
        _d("Circolazione senza la copertura dell'assicurazione obbligatoria",
           "Driving without compulsory motor insurance",
           "Circulation sans assurance automobile obligatoire",
           "Fahren ohne Kfz-Haftpflichtversicherung",
           "Circulación sin el seguro obligatorio del vehículo"),
        (_amount("866.00", "3464.00"),), discount_30_allowed=False,
        accessory_sanctions=("vehicle_seizure", "vehicle_confiscation"),
    ),
    CatalogueEntry(
        "80.14", "art. 80 c. 14 CdS",
        _d("Circolazione con veicolo non sottoposto alla revisione periodica",
           "Driving a vehicle that has not passed its periodic roadworthiness test",
           "Circulation avec un véhicule n'ayant pas passé le contrôle technique périodique",
           "Fahren mit einem Fahrzeug ohne gültige Hauptuntersuchung",
           "Circulación con un vehículo sin la inspección técnica periódica (ITV) en vigor"),
        (_amount("173.00", "694.00"),), accessory_sanctions=("circulation_suspension",),
    ),
    CatalogueEntry(
        "126-bis.2", "art. 126-bis c. 2 CdS",
        _d("Omessa comunicazione dei dati del conducente entro 60 giorni dalla notifica",
           "Failure to communicate the driver's details within 60 days of notification",
           "Défaut de communication de l'identité du conducteur dans les 60 jours suivant la notification",
           "Unterlassene Mitteilung der Fahrerdaten innerhalb von 60 Tagen nach der Zustellung",
           "Falta de comunicación de los datos del conductor en los 60 días siguientes a la notificación"),
        (_amount("291.00", "1166.00"),),
    ),
)

BY_CODE = {entry.code: entry for entry in CATALOGUE}


def amount_on(code: str, day: date) -> tuple[Decimal, Decimal]:
    """Edictal ``(minimum, maximum)`` of ``code`` in force on ``day``."""
    for minimum, maximum, valid_from, valid_to in BY_CODE[code].amounts:
        if valid_from <= day and (valid_to is None or day <= valid_to):
            return minimum, maximum
    raise LookupError(f"no amount of {code} in force on {day}")
