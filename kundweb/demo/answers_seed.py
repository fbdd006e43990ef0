"""Demo answers for Kunskapsbanken: about 60 answers to Luleå's volume questions, and their use.

Written through the answer services, so each has its versions and audit events like a real
one. Some are past their review date, some internal, a few drafts and archived; directly
answered demo enquiries of a category with answers are linked to one of them at a
realistic share, so the gap and usage report has something real to show. Idempotent:
nothing is added when any answer exists.
"""
import random
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select, update

from kundweb.answers import services as answers
from kundweb.answers.access import editor_scope
from kundweb.answers.models import Answer
from kundweb.audit.services import Actor
from kundweb.companies.models import Company
from kundweb.database import utcnow
from kundweb.directory.models import Person, Unit
from kundweb.enquiries import services as enquiries
from kundweb.enquiries.models import Enquiry, EnquiryCategory
from kundweb.extensions import db

ADMIN = Actor("david", frozenset({"admin"}))
# The demo editors (KW-Kunskapsbanken) write their own departments' answers; David the rest.
EDITORS = {"Stadsbyggnadsförvaltningen": Actor("elin", frozenset({"editor"})),
           "Socialförvaltningen": Actor("frida", frozenset({"editor"}))}
# Categories the goals demo does not have: the answers came first, the enquiries will follow.
NEW_CATEGORIES = (("Stadsbyggnadsförvaltningen", "Vatten och avlopp"), ("Socialförvaltningen", "Bostadsanpassning"))
# Who answers for what: the title looked for in the owning department (Kundcenter's for companies).
RESPONSIBLE_TITLES = {
    "Bygglov": "Bygglovshandläggare", "Parkeringstillstånd": "Trafikingenjör", "Snöröjning och halka": "Gatuingenjör",
    "Vatten och avlopp": "Projektledare VA", "Förskoleplats": "Antagningshandläggare",
    "Skolskjuts": "Skolskjutshandläggare", "Skolval": "Studie- och yrkesvägledare", "Hemtjänst": "Biståndshandläggare",
    "Färdtjänst": "Biståndshandläggare", "Ekonomiskt bistånd": "Socialsekreterare",
    "Bostadsanpassning": "Biståndshandläggare", "Bibliotek": "Bibliotekarie", "Badhus och idrottshallar": "Badmästare",
    "Buller och störningar": "Miljöinspektör", "Allmänna handlingar": "Registrator",
    "Felanmälan övrigt": "Nämndsekreterare",
}
SHARE_USED = 0.45  # of the directly answered enquiries in a category with answers
LULEA = "https://www.lulea.se"


@dataclass(frozen=True)
class Demo:
    category: str
    question: str
    body: str
    links: tuple = ()
    phrasings: str = ""
    keywords: str = ""
    visibility: str = "publik"
    state: str = "published"  # draft / published / archived
    age_days: int = 420  # written this long ago
    review_in_days: int = 200  # review date from today; negative: past it ("Inaktuellt")
    edits: tuple = field(default=())  # (days ago, {field: new value}) saved after publishing
    used_until_days: int = 0  # > 0: last used this many days ago (an answer nobody uses any longer)


def _link(label, path):
    return {"label": label, "url": path if path.startswith("https://") else LULEA + path}


ANSWERS = [
    # --- Sophämtning och återvinning (Luleå Miljöresurs AB) ---
    Demo("Sophämtning", "När töms mina sopkärl?",
         "Hämtningsdagen står i Luleå Miljöresurs hämtschema. Ställ fram kärlet senast kl. 06.00 på "
         "hämtningsdagen, med handtaget ut mot gatan.\n\nRöda dagar kan flytta hämtningen en dag.",
         (_link("Sök din hämtningsdag", "https://www.lmab.demo/hamtschema"),),
         "Vilken dag kommer sopbilen?\nHämtschema sopor", "soptömning sopbil hämtning kärl schema"),
    Demo("Sophämtning", "Sopkärlet blev inte tömt. Vad gör jag?",
         "Kontrollera först att kärlet stod framme före kl. 06.00 och att locket gick att stänga.\n\n"
         "1. Gör en felanmälan hos Luleå Miljöresurs samma dag eller nästa vardag\n"
         "2. Låt kärlet stå kvar, så töms det inom två vardagar",
         (_link("Felanmälan missad tömning", "https://www.lmab.demo/felanmalan"),),
         "Missad tömning\nSoporna hämtades inte", "missad tömning glömd sophämtning", edits=(
             (60, {"body": "Kontrollera först att kärlet stod framme före kl. 06.00 och att locket gick att stänga.\n\n"
                           "1. Gör en felanmälan hos Luleå Miljöresurs samma dag eller nästa vardag\n"
                           "2. Låt kärlet stå kvar, så töms det inom två vardagar\n"
                           "3. Blir det inte tömt då, ring Luleå Miljöresurs kundservice 0920-45 36 00"}),)),
    Demo("Sophämtning", "Hur byter jag storlek på mitt sopkärl?",
         "Byte av kärlstorlek beställs hos Luleå Miljöresurs. Ett mindre kärl ger lägre avgift. "
         "Bytet görs inom tre veckor och kostar en engångsavgift enligt taxan.",
         (_link("Beställ byte av kärl", "https://www.lmab.demo/karl"),), "Mindre sopkärl\nStörre soptunna",
         "kärlbyte soptunna storlek avgift", review_in_days=-40),
    Demo("Sophämtning", "Hur fungerar sortering av matavfall?",
         "Matavfall läggs i de bruna papperspåsarna i det bruna kärlet. Påsar hämtas gratis på "
         "återvinningscentralerna och i matbutiker i Luleå.",
         (_link("Sortera matavfall", "https://www.lmab.demo/matavfall"),), "Bruna påsar\nVar får jag matavfallspåsar?",
         "matavfall bruna påsar kompost"),
    Demo("Sophämtning", "Vad kostar sophämtningen?",
         "Avgiften beror på kärlstorlek och hur ofta kärlet töms. Villor betalar en grundavgift och en "
         "hämtningsavgift per år; fakturan kommer från Luleå Miljöresurs fyra gånger per år.",
         (_link("Avfallstaxa", "https://www.lmab.demo/taxa"),), "Sopavgift\nAvfallstaxa", "avgift taxa faktura sopor",
         visibility="intern", review_in_days=-120),
    Demo("Återvinningscentraler", "Vilka tider har återvinningscentralerna öppet?",
         "Återvinningscentralerna Norra och Södra har öppet måndag–torsdag 10–19 och lördag 10–15. "
         "Storhelger kan tiderna ändras; se Luleå Miljöresurs webbplats.",
         (_link("Öppettider återvinningscentraler", "https://www.lmab.demo/avc"),), "Öppettider tippen\nNär har ÅVC öppet?",
         "återvinningscentral tippen öppettider ÅVC"),
    Demo("Återvinningscentraler", "Var lämnar jag farligt avfall?",
         "Farligt avfall som färg, lösningsmedel och batterier lämnas gratis på återvinningscentralerna. "
         "Elavfall tas också emot där. Läkemedel lämnas på apotek.",
         (_link("Farligt avfall", "https://www.lmab.demo/farligt-avfall"),), "Var slänger jag färgburkar?",
         "farligt avfall batterier färg elavfall"),
    Demo("Återvinningscentraler", "Kan jag lämna grovsopor med släpvagn?",
         "Ja, privatpersoner lämnar grovsopor med bil och släpvagn utan avgift. Företag behöver ett "
         "företagskort från Luleå Miljöresurs.", (), "Grovsopor med släp", "grovsopor släpvagn företagskort",
         state="archived", age_days=700, review_in_days=-300, used_until_days=260),
    # --- Bygglov ---
    Demo("Bygglov", "Behöver jag bygglov för ett attefallshus?",
         "Nej, ett attefallshus på högst 30 kvadratmeter kräver inte bygglov, men du måste göra en "
         "anmälan och få startbesked innan du börjar bygga.\n\n"
         "1. Gör en anmälan i e-tjänsten med ritningar och situationsplan\n"
         "2. Vänta på startbesked från Stadsbyggnadsförvaltningen\n"
         "3. Bygg, och begär slutbesked när huset är klart",
         (_link("Anmälan attefallsåtgärd", "/bygga-bo-och-miljo/bygglov/attefallsatgarder.html"),),
         "Attefallshus bygglov\nFår jag bygga en friggebod?", "attefall friggebod anmälan startbesked", edits=(
             (90, {"keywords": "attefall attefallshus friggebod anmälan startbesked slutbesked"}),)),
    Demo("Bygglov", "Hur lång tid tar ett bygglov?",
         "När ansökan är komplett har Stadsbyggnadsförvaltningen tio veckor på sig att fatta beslut. "
         "De flesta enkla ärenden beslutas inom fyra veckor. Du får ett mottagningsbevis när ansökan kommit in.",
         (_link("Ansök om bygglov", "/bygga-bo-och-miljo/bygglov.html"),), "Handläggningstid bygglov",
         "bygglov tid handläggningstid beslut"),
    Demo("Bygglov", "Behöver jag bygglov för en altan?",
         "En altan lägre än 1,2 meter över marken och minst 4,5 meter från tomtgränsen kräver oftast inget "
         "bygglov. Högre altaner och inglasningar kräver bygglov.",
         (_link("Altan och uteplats", "/bygga-bo-och-miljo/bygglov/altan.html"),), "Bygga altan\nUteplats bygglov",
         "altan uteplats trall inglasning", review_in_days=-15),
    Demo("Bygglov", "Vad kostar ett bygglov?",
         "Avgiften följer plan- och bygglovstaxan och beror på åtgärden: ett enbostadshus kostar ofta "
         "25 000–40 000 kronor, en tillbyggnad mindre. Fakturan kommer efter beslutet.",
         (_link("Plan- och bygglovstaxa", "/bygga-bo-och-miljo/bygglov/avgifter.html"),), "Bygglovsavgift",
         "avgift taxa bygglov kostnad", visibility="intern"),
    Demo("Bygglov", "Var får jag ritningar till mitt hus?",
         "Ritningar till byggnader som fått bygglov finns i bygglovsarkivet. Beställ kopior via e-tjänsten "
         "eller be Kundcenter skicka en beställning. Äldre ritningar kan saknas.",
         (_link("Beställ ritningar", "/bygga-bo-och-miljo/bygglov/ritningar.html"),), "Gamla ritningar på huset",
         "ritningar arkiv bygglovsarkiv", state="draft", age_days=10, review_in_days=355),
    # --- Parkeringstillstånd ---
    Demo("Parkeringstillstånd", "Hur söker jag parkeringstillstånd för rörelsehindrade?",
         "Du söker i e-tjänsten och bifogar ett läkarintyg om hur långt du kan gå. Tillståndet gäller i "
         "hela Sverige. Handläggningstiden är ungefär fyra veckor.",
         (_link("Ansök om parkeringstillstånd", "/trafik-och-gator/parkering/parkeringstillstand.html"),),
         "P-tillstånd rörelsehindrad\nHandikapptillstånd", "parkeringstillstånd rörelsehinder handikapp läkarintyg"),
    Demo("Parkeringstillstånd", "Kan jag få boendeparkering?",
         "Boendeparkering finns i centrala Luleå för dig som är folkbokförd inom zonen och äger eller leasar "
         "bilen. Ansök i e-tjänsten; avgiften betalas per månad.",
         (_link("Boendeparkering", "/trafik-och-gator/parkering/boendeparkering.html"),), "Parkera där jag bor",
         "boendeparkering centrum zon avgift", review_in_days=-60),
    Demo("Parkeringstillstånd", "Jag har fått en parkeringsbot. Hur överklagar jag?",
         "Kundcenter kan inte ändra en parkeringsanmärkning. Bestrid den skriftligt till "
         "Stadsbyggnadsförvaltningen inom sex månader och betala inte under tiden. Ärendet går sedan till "
         "polisen om kommunen står fast vid anmärkningen.", (), "Bestrida p-bot", "parkeringsbot bestrida överklaga",
         visibility="intern"),
    # --- Snöröjning ---
    Demo("Snöröjning och halka", "När plogas min gata?",
         "Huvudgator och busslinjer plogas först, när det fallit 5 centimeter snö. Bostadsgator plogas "
         "när det fallit 10 centimeter, oftast inom ett dygn efter snöfallet.",
         (_link("Snöröjning i Luleå", "/trafik-och-gator/snorojning.html"),), "Snöröjning min gata\nPlogbil",
         "snöröjning plogning snö gata"),
    Demo("Snöröjning och halka", "Plogbilen lämnade en snövall framför min infart. Vem tar bort den?",
         "Snövallen vid infarten tar fastighetsägaren själv bort. Kommunen kan inte ploga varje infart "
         "separat. Lägg inte snön på gatan eller trottoaren.", (), "Snövall infart",
         "snövall infart uppfart plogvall", review_in_days=-5),
    Demo("Snöröjning och halka", "Hur anmäler jag halka på en gångväg?",
         "Gör en felanmälan i e-tjänsten Felanmälan gata och park och ange platsen så noga du kan. "
         "Akut halka på gång- och cykelvägar sandas i första hand.",
         (_link("Felanmälan gata och park", "/trafik-och-gator/felanmalan.html"),), "Sanda gångväg\nHalt på trottoaren",
         "halka sandning felanmälan gångväg"),
    Demo("Snöröjning och halka", "Snöröjer kommunen enskilda vägar?",
         "Nej. Enskilda vägar sköts av vägföreningen eller fastighetsägarna. Kommunen kan ge bidrag till "
         "vissa enskilda vägar; bidraget söks av vägföreningen.", (), "Privat väg snöröjning",
         "enskild väg vägförening bidrag", visibility="intern", review_in_days=-200),
    # --- Vatten och avlopp ---
    Demo("Vatten och avlopp", "Jag har inget vatten. Vad gör jag?",
         "Kontrollera först på webbplatsen om det pågår ett planerat arbete eller en vattenläcka i ditt område. "
         "Finns inget meddelande, ring VA-jouren dygnet runt på 0920-45 30 00.",
         (_link("Driftstörningar vatten och avlopp", "/bygga-bo-och-miljo/vatten-och-avlopp/driftstorningar.html"),),
         "Vattnet är avstängt\nVattenavbrott", "vatten avstängt läcka driftstörning jour", age_days=200),
    Demo("Vatten och avlopp", "Vattnet är brunt. Kan jag dricka det?",
         "Brunt vatten beror oftast på att rör spolats eller att en ledning lagats. Spola kallvatten i några "
         "minuter tills det blir klart. Vattnet är inte farligt men kan missfärga tvätt.", (),
         "Missfärgat vatten", "brunt vatten missfärgat rost", age_days=200),
    Demo("Vatten och avlopp", "Jag har stopp i avloppet. Vem ska jag ringa?",
         "Stopp i ledningarna inne på tomten är fastighetsägarens ansvar: ring en rörfirma. Gäller stoppet "
         "flera hus på gatan kan det sitta i kommunens ledning; ring då VA-jouren.", (),
         "Avloppet är stopp", "stopp avlopp rörfirma jour", age_days=200, review_in_days=120),
    Demo("Vatten och avlopp", "Hur läser jag av min vattenmätare?",
         "Läs av de svarta siffrorna (hela kubikmeter) och lämna ställningen i e-tjänsten när du får en "
         "påminnelse, eller vid flytt.",
         (_link("Lämna mätarställning", "/bygga-bo-och-miljo/vatten-och-avlopp/matarstallning.html"),),
         "Mätarställning vatten", "vattenmätare avläsning mätarställning", state="draft", age_days=5,
         review_in_days=360),
    # --- Förskola och skola ---
    Demo("Förskoleplats", "Hur ansöker jag om förskoleplats?",
         "Ansök i e-tjänsten senast fyra månader innan barnet ska börja. Du kan önska upp till tre förskolor. "
         "Erbjudandet kommer via e-tjänsten och ska besvaras inom 14 dagar.\n\n"
         "1. Logga in med BankID\n2. Välj förskolor\n3. Svara på erbjudandet",
         (_link("Ansök om förskoleplats", "/utbildning-och-forskola/forskola/ansok.html"),),
         "Söka förskola\nBarnomsorg ansökan", "förskola ansökan barnomsorg plats kö", edits=(
             (45, {"review_by": "+365"}),)),
    Demo("Förskoleplats", "Vad kostar förskolan?",
         "Luleå följer maxtaxan. Avgiften är högst 3 % av hushållets inkomst för första barnet, dock högst "
         "1 688 kronor i månaden. Barn 3–5 år har 15 timmar avgiftsfritt i veckan.",
         (_link("Avgifter förskola", "/utbildning-och-forskola/forskola/avgifter.html"),), "Förskoleavgift\nMaxtaxa",
         "avgift maxtaxa förskola kostnad", review_in_days=-75),
    Demo("Förskoleplats", "Hur säger jag upp förskoleplatsen?",
         "Säg upp platsen i e-tjänsten. Uppsägningstiden är två månader, och avgift betalas under den tiden.",
         (), "Avsluta förskola", "uppsägning förskola avsluta"),
    Demo("Förskoleplats", "Hur länge får man vänta på förskoleplats?",
         "Kommunen ska erbjuda plats inom fyra månader från ansökan. I centrala Luleå är det ofta svårare "
         "att få sitt förstahandsval; fler platser finns i Porsön och Bergnäset.", (), "Kötid förskola",
         "kötid förskola väntetid", visibility="intern"),
    Demo("Skolskjuts", "Har mitt barn rätt till skolskjuts?",
         "Barn i förskoleklass till årskurs 3 har rätt till skolskjuts om avståndet till skolan är mer än "
         "2 kilometer, årskurs 4–6 mer än 3 kilometer och årskurs 7–9 mer än 4 kilometer.",
         (_link("Skolskjuts", "/utbildning-och-forskola/skolskjuts.html"),), "Skolbuss\nRätt till skolskjuts",
         "skolskjuts skolbuss avstånd"),
    Demo("Skolskjuts", "Skolbussen kom inte. Vem kontaktar jag?",
         "Ring trafikbolaget direkt på numret som står i skolskjutsbeskedet. Kundcenter för vidare "
         "till skolskjutshandläggaren om felet upprepas.", (), "Bussen dök inte upp",
         "skolbuss försenad uteblev", visibility="intern", review_in_days=-25),
    Demo("Skolskjuts", "Hur ansöker jag om skolskjuts vid växelvis boende?",
         "Vid växelvis boende söker båda vårdnadshavarna i e-tjänsten, en ansökan per adress. Beslut "
         "kommer inom fyra veckor.", (), "Skolskjuts två adresser", "växelvis boende skolskjuts ansökan"),
    Demo("Skolval", "När är det skolval?",
         "Skolvalet till förskoleklass och årskurs 7 görs i e-tjänsten under januari. Den som inte väljer "
         "får plats i den skola som ligger närmast.",
         (_link("Skolval", "/utbildning-och-forskola/grundskola/skolval.html"),), "Välja skola",
         "skolval grundskola förskoleklass"),
    Demo("Skolval", "Kan mitt barn byta skola mitt i terminen?",
         "Ja, om det finns plats på den nya skolan. Ansök om skolbyte i e-tjänsten; rektorn på den nya "
         "skolan beslutar.", (), "Byta skola", "skolbyte byta skola"),
    # --- Socialt ---
    Demo("Hemtjänst", "Hur ansöker jag om hemtjänst?",
         "Kontakta en biståndshandläggare via Kundcenter. Handläggaren gör en utredning, ofta med ett "
         "hembesök, och fattar beslut om vilken hjälp du får.", (), "Hjälp i hemmet\nSöka hemtjänst",
         "hemtjänst ansökan biståndshandläggare"),
    Demo("Hemtjänst", "Vad kostar hemtjänst?",
         "Avgiften beror på din inkomst och hur mycket hjälp du får, men är högst maxtaxan för äldreomsorg. "
         "Du lämnar en inkomstförfrågan så att avgiften blir rätt.", (), "Hemtjänstavgift",
         "hemtjänst avgift maxtaxa", visibility="intern"),
    Demo("Färdtjänst", "Hur ansöker jag om färdtjänst?",
         "Ansök i e-tjänsten eller på blankett. Du behöver ha en funktionsnedsättning som gör att du har "
         "stora svårigheter att resa med buss. Beslut inom tre veckor.",
         (_link("Färdtjänst", "/omsorg-och-stod/fardtjanst.html"),), "Söka färdtjänst",
         "färdtjänst ansökan funktionsnedsättning"),
    Demo("Färdtjänst", "Hur bokar jag en färdtjänstresa?",
         "Boka resan hos beställningscentralen senast en timme före avresan. Ha ditt färdtjänstkort till hands.",
         (), "Beställa färdtjänst", "färdtjänst boka resa beställningscentral", review_in_days=-90),
    Demo("Färdtjänst", "Vad kostar en färdtjänstresa?",
         "Du betalar en egenavgift per resa som motsvarar ungefär en bussbiljett plus ett tillägg. "
         "Avgiften betalas i bilen med kort.", (), "Färdtjänstavgift", "färdtjänst avgift egenavgift",
         state="archived", age_days=600, review_in_days=-100, used_until_days=220),
    Demo("Ekonomiskt bistånd", "Hur ansöker jag om ekonomiskt bistånd?",
         "Ansök i e-tjänsten eller boka tid med en socialsekreterare via Kundcenter. Ha underlag för "
         "inkomster, hyra och utgifter redo.\n\n1. Logga in med BankID\n2. Fyll i ansökan och bifoga underlag\n"
         "3. En socialsekreterare kontaktar dig",
         (_link("Ansök om ekonomiskt bistånd", "/omsorg-och-stod/ekonomiskt-bistand.html"),),
         "Försörjningsstöd\nSocialbidrag", "ekonomiskt bistånd försörjningsstöd socialbidrag", edits=(
             (120, {"phrasings": "Försörjningsstöd\nSocialbidrag\nPengar till mat och hyra"}),)),
    Demo("Ekonomiskt bistånd", "När betalas ekonomiskt bistånd ut?",
         "Utbetalning sker den 25:e varje månad om beslutet är fattat. Infaller den 25:e på en helg sker "
         "utbetalningen vardagen före.", (), "Utbetalningsdag försörjningsstöd", "utbetalning datum bistånd",
         visibility="intern"),
    Demo("Ekonomiskt bistånd", "Jag har inga pengar till mat i dag. Vad gör jag?",
         "Koppla samtalet till socialtjänstens mottagning under kontorstid. Efter kl. 17 och på helger: "
         "socialjouren via 112 vid akut nöd. Kundcenter lovar aldrig bistånd.", (),
         "Akut hjälp pengar\nNödprövning", "akut nöd mat socialjour", visibility="intern"),
    Demo("Bostadsanpassning", "Hur söker jag bostadsanpassningsbidrag?",
         "Ansök i e-tjänsten och bifoga ett intyg från arbetsterapeut som visar vilken anpassning du "
         "behöver, t.ex. borttagna trösklar eller en ramp.",
         (_link("Bostadsanpassning", "/omsorg-och-stod/bostadsanpassning.html"),), "Anpassa bostaden\nRamp till huset",
         "bostadsanpassning bidrag arbetsterapeut ramp", age_days=150),
    Demo("Bostadsanpassning", "Hur lång tid tar en bostadsanpassning?",
         "Beslut kommer oftast inom sex veckor. Själva arbetet beror på entreprenören; enklare åtgärder "
         "görs inom en månad efter beslutet.", (), "Handläggningstid bostadsanpassning",
         "bostadsanpassning tid beslut", age_days=150, state="draft", review_in_days=300),
    # --- Kultur och fritid ---
    Demo("Bibliotek", "Hur skaffar jag lånekort?",
         "Lånekort får du gratis på Stadsbiblioteket och alla filialer. Ta med legitimation. Barn under "
         "18 år behöver en vårdnadshavares underskrift.",
         (_link("Bibliotek", "/uppleva-och-gora/bibliotek.html"),), "Lånekort bibliotek", "lånekort bibliotek låna"),
    Demo("Bibliotek", "Hur lånar jag e-böcker?",
         "Med lånekort och pinkod lånar du e-böcker och e-ljudböcker i appen Biblio, upp till fyra i veckan.",
         (), "E-böcker\nLjudböcker", "e-bok ljudbok biblio app", review_in_days=-10),
    Demo("Badhus och idrottshallar", "Vad kostar det att bada på Centrumbadet?",
         "Vuxna betalar 80 kronor, barn 40 kronor. Årskort och 10-kort finns. Öppettiderna finns på webbplatsen.",
         (_link("Centrumbadet", "/uppleva-och-gora/bad.html"),), "Entré badhus\nPris simhall",
         "badhus centrumbadet pris entré"),
    Demo("Badhus och idrottshallar", "Hur bokar jag en idrottshall?",
         "Föreningar och privatpersoner bokar lediga tider i bokningssystemet. Avgiften beror på hall och tid.",
         (_link("Boka lokal", "/uppleva-och-gora/boka-lokal.html"),), "Hyra gympasal", "boka idrottshall lokal gympasal",
         review_in_days=-180),
    # --- Miljö ---
    Demo("Buller och störningar", "Grannen spelar hög musik på natten. Vem kan hjälpa?",
         "Bor du i hyresrätt: kontakta hyresvärden eller dess störningsjour. Pågår störningen nu och är "
         "den allvarlig: polisen på 114 14. Miljöförvaltningen handlägger inte enstaka grannstörningar.", (),
         "Störande granne\nHög musik", "störning granne buller musik", visibility="intern"),
    Demo("Buller och störningar", "Hur klagar jag på buller från en byggarbetsplats?",
         "Gör ett klagomål till Miljöförvaltningen i e-tjänsten. Ange plats, tider och hur bullret stör. "
         "Byggbuller är normalt tillåtet vardagar 07–19.",
         (_link("Klagomål miljö och hälsa", "/bygga-bo-och-miljo/miljo-och-halsa/klagomal.html"),),
         "Byggbuller", "buller byggarbetsplats klagomål"),
    # --- Kommunledning ---
    Demo("Allmänna handlingar", "Hur begär jag ut en allmän handling?",
         "Begäran kan göras muntligt eller skriftligt, och du behöver inte tala om vem du är. Kundcenter "
         "registrerar begäran och skickar den till rätt förvaltning samma dag.",
         (_link("Begär ut allmän handling", "/kommun-och-politik/allmanna-handlingar.html"),),
         "Offentlighetsprincipen\nUtlämnande av handling", "allmän handling offentlighetsprincipen begäran"),
    Demo("Allmänna handlingar", "Vad kostar kopior av allmänna handlingar?",
         "De första nio sidorna är gratis. Sida tio kostar 50 kronor och varje sida därefter 2 kronor.", (),
         "Avgift kopior", "kopior avgift handlingar", visibility="intern", review_in_days=-55),
    Demo("Felanmälan övrigt", "Hur felanmäler jag något som är trasigt i kommunen?",
         "Använd e-tjänsten Felanmälan för gator, parker, lekplatser och belysning. Akuta fel som "
         "vattenläckor ringer du in till Kundcenter eller VA-jouren.",
         (_link("Felanmälan", "/trafik-och-gator/felanmalan.html"),), "Anmäla fel\nNågot är trasigt",
         "felanmälan trasig lekplats park"),
    Demo("Felanmälan övrigt", "Vem ansvarar för en trasig lekplats?",
         "Kommunens lekplatser sköts av Stadsbyggnadsförvaltningen. Lekplatser på bostadsgårdar sköts "
         "av hyresvärden eller bostadsrättsföreningen.", (), "Lekplats trasig", "lekplats gunga trasig"),
    # --- Bolagen ---
    Demo("Elavbrott", "Strömmen har gått. Vad gör jag?",
         "Kontrollera säkringarna först. Se sedan Luleå Energis avbrottskarta; där står kända avbrott "
         "och när strömmen väntas tillbaka. Felanmäl till Luleå Energi dygnet runt.",
         (_link("Avbrottskarta", "https://www.luleaenergi.demo/avbrott"),), "Elavbrott\nIngen el",
         "elavbrott ström strömavbrott säkring"),
    Demo("Elavbrott", "Får jag ersättning för ett långt elavbrott?",
         "Vid avbrott längre än 12 timmar har du rätt till avbrottsersättning enligt ellagen. Luleå Energi "
         "betalar ut den automatiskt på fakturan.", (), "Avbrottsersättning", "ersättning elavbrott 12 timmar",
         visibility="intern"),
    Demo("Bostadskö", "Hur ställer jag mig i Lulebos bostadskö?",
         "Registrera dig på Lulebos webbplats. Kötiden räknas från registreringen, och du behöver logga in "
         "minst en gång per år för att behålla din plats.",
         (_link("Lulebos bostadskö", "https://www.lulebo.demo/bostadsko"),), "Söka lägenhet\nHyresrätt Luleå",
         "bostadskö lägenhet hyra lulebo"),
    Demo("Bostadskö", "Hur lång är kötiden till en lägenhet?",
         "Kötiden varierar mellan några månader i ytterområdena och flera år för centrala lägenheter. "
         "Lulebo visar kötiden för varje ledig lägenhet.", (), "Kötid lägenhet", "kötid lägenhet lulebo",
         review_in_days=-30),
    Demo("Busskort och biljetter", "Var köper jag busskort?",
         "Busskort och biljetter köps i LLT:s app, på Smedjan i centrum och hos ombud. Kontant betalning "
         "tas inte ombord.", (_link("Biljetter och priser", "https://www.llt.demo/biljetter"),),
         "Köpa busskort\nBussbiljett", "busskort biljett app llt"),
    Demo("Busskort och biljetter", "Mitt busskort har slutat fungera. Vad gör jag?",
         "Ta med kortet till LLT:s kundtjänst på Smedjan. Ett trasigt kort byts utan kostnad och saldot "
         "flyttas över.", (), "Trasigt busskort", "busskort trasigt byta saldo"),
    Demo("Busskort och biljetter", "Åker barn gratis på bussen?",
         "Barn under 7 år åker gratis i sällskap med en vuxen. Ungdomar upp till 19 år har rabatt; "
         "sommarlovskort finns för skolungdomar.", (), "Barnbiljett buss", "barn gratis buss ungdom rabatt",
         review_in_days=-150),
]


def seed_answers():
    """The demo answers and their use by the demo enquiries, if there are no answers yet."""
    if db.session.scalar(select(func.count()).select_from(Answer)):
        return []
    now = utcnow()
    today = answers.local_today(now)
    categories = _categories()
    owners = _owners()
    if not owners:
        return []  # no directory or companies yet (a real directory): nothing to own the answers
    rng = random.Random(14)
    made = []
    for demo in ANSWERS:
        category = categories.get(demo.category)
        owner = owners.get(category.group_name) if category else None
        if owner is None:
            continue
        actor = EDITORS.get(category.group_name, ADMIN)
        if not editor_scope(actor).covers(*owner_fields(owner).values()):
            actor = ADMIN  # the demo editors are not in this directory
        written = now - timedelta(days=demo.age_days, hours=rng.randint(0, 8))
        fields = {"question": demo.question, "body": demo.body, "links": list(demo.links),
                  "phrasings": demo.phrasings, "keywords": demo.keywords, "visibility": demo.visibility,
                  "category_id": category.id, "responsible_id": _responsible(owner, demo.category),
                  "review_by": today + timedelta(days=demo.review_in_days), **owner_fields(owner)}
        if fields["review_by"] < answers.local_today(written):
            fields["review_by"] = answers.local_today(written)
        answer = answers.create_answer(actor, fields, written)
        if demo.state in ("published", "archived"):
            answers.publish_answer(actor, answer, written + timedelta(days=1))
        for days_ago, change in demo.edits:
            change = dict(change)
            if change.get("review_by") == "+365":  # "granskad": the review date moved a year on
                change["review_by"] = answers.months_ahead(today - timedelta(days=days_ago), 12)
            answers.update_answer(actor, answer, change, now - timedelta(days=days_ago))
        if demo.state == "archived":
            answers.archive_answer(actor, answer, now - timedelta(days=max(demo.used_until_days - 5, 1)))
        made.append((answer, demo))
    used = _link_enquiries(made, now)
    stale = sum(1 for answer, _ in made if answer.status == "published" and answers.is_stale(answer, today))
    return [f"{len(made)} svar i Kunskapsbanken ({stale} inaktuella), kopplade till {used} demoärenden"]


def owner_fields(owner):
    kind, number = owner
    return {"unit_id": number if kind == "unit" else None, "company_id": number if kind == "company" else None}


def _categories():
    for group, name in NEW_CATEGORIES:
        exists = db.session.scalar(select(EnquiryCategory.id).where(EnquiryCategory.group_name == group,
                                                                    EnquiryCategory.name == name))
        if exists is None and db.session.scalar(select(func.count()).select_from(EnquiryCategory)):
            enquiries.add_category(ADMIN, group, name)
    return {c.name: c for c in db.session.scalars(select(EnquiryCategory).where(EnquiryCategory.active))}


def _owners():
    owners = {name: ("unit", i) for i, name in db.session.execute(select(Unit.id, Unit.name))}
    owners.update({name: ("company", i) for i, name in db.session.execute(select(Company.id, Company.name))})
    return owners


def _responsible(owner, category):
    """A person of the owning department with a fitting title; for a company, one of Kundcenter's guides."""
    kind, number = owner
    unit_id = number if kind == "unit" else db.session.scalar(select(Unit.id).where(Unit.name == "Kundcenter"))
    title = RESPONSIBLE_TITLES.get(category, "Kommunvägledare") if kind == "unit" else "Kommunvägledare"
    people = select(Person.id).where(Person.unit_id == unit_id, Person.active).order_by(Person.username)
    return (db.session.scalar(people.where(Person.title == title)) or db.session.scalar(people)
            or db.session.scalar(select(Person.id).where(Person.active).order_by(Person.username)))


def _link_enquiries(made, now):
    """Set "svar som användes" on a share of the directly answered enquiries of each answered category.

    Only enquiries logged while the answer was published; spread over the category's answers by id.
    """
    by_category = {}
    for answer, demo in made:
        if answer.published_at is not None:
            by_category.setdefault(answer.category_id, []).append((answer, demo))
    used = 0
    tenths = round(SHARE_USED * 10)
    for category_id, candidates in by_category.items():
        count = len(candidates)
        for index, (answer, demo) in enumerate(candidates):
            last = now - timedelta(days=demo.used_until_days) if demo.used_until_days else now
            used += db.session.execute(
                update(Enquiry).where(Enquiry.category_id == category_id, Enquiry.outcome == "direct",
                                      Enquiry.answer_id.is_(None), Enquiry.created_at >= answer.published_at,
                                      Enquiry.created_at < last, Enquiry.id % count == index,
                                      (Enquiry.id // count) % 10 < tenths)
                .values(answer_id=answer.id).execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return used
