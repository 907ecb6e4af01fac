"""Name lists of the locator: common names that need a cue, other provinces, Kayseri's aliases."""

from __future__ import annotations

# Mahalle names that are everyday words, people, brands or places elsewhere: never tagged without a cue.
COMMON_NAMES = frozenset(
    """
    yeni kale guney kuzey han cumhuriyet hurriyet fatih mevlana merkez sanayi yildirim kuscu bahcelievler
    orta asagi yukari akin sen yesil gazi sumer turan vatan saglik demokrasi sakarya erciyes kardesler
    gaziler barbaros yakut zumrut seker kemer harman kavak tavla kaman palas esentepe esenyurt sancaktepe
    osmangazi battalgazi selcuklu selimiye kurtulus inonu yunusemre osmanli anbar becen hunat vekse kosk
    gultepe altinoluk tinaztepe anafartalar kocatepe keykubat kilicaslan mimarsinan gevhernesibe
    yildirimbeyazit ahievran ertugrulgazi fevzicakmak hocaahmetyesevi saraybosna turgutreis yavuzselim
    mehmetakifersoy osmankavuncu talatpasa mithatpasa ziyagokalp orucreis kazimkarabekir alparslan
    alpaslan seyrani asikseyrani yenidogan yenisehir yenice yenikoy yesilyurt guzelkoy havadan cebir
    yarim yedek ismet tatar kesir hassa karatay karacabey sultanhani yakutiye izmirli kahveci silahtar
    bostanlik yemliha dilciler generalemir valiihsanaras kaynar komur idris omurlu
    dikme kabakli hasirci sacli uzunyol gokkent erenkoy esenkoy germir gesi gesifatih turanli sakaltutan
    hosca epce zile kulpak tombak gebelek hilmiye hayriye methiye serefiye satı sati culha kamber ardic
    sosun kepez ilica ciftlik kayseriosb mimarsinanosb sultansaziosb anbarsb karakaya sarikaya kayabasi
    koprubasi subasi yazibasi camikebir camiicedit camiikebir yenicami yenicamii kizilhan akpinar
    karapinar guzelce guzelsu kavakli bahceli kemerli tahtakemer emmiler toklar yaylaci yaylacik
    aydinlikevler erciyesevler ugurevler hasanarpa karamustafapasa musaseyh melikgazi incesu yahyali
    develi talas kocasinan pinarbasi hacilar tatili yeniocak dervisaga kaleköy kalekoy harman
    artmak beyler boyaci isiklar keler obruk sarica cavdar taslik comlekci ugurlu yenihayat guzelyazi
    golcuk erdemli mentese mahmudiye yesilova alsancak yusuflar koseler doganlar solaklar ekinciler
    """.split()
)

# District names that are also everyday words or common place names elsewhere need a cue.
COMMON_ILCE = frozenset("hacilar develi pinarbasi".split())


# Everyday names Kayseri residents use for registry units (public knowledge; extend as needed).
KAYSERI_ALIASES: dict[str, list[tuple[str, str]]] = {
    "İldem": [("Melikgazi", "İldem Cumhuriyet")],
    "Süksün": [("İncesu", "Süksün Cumhuriyet"), ("İncesu", "Süksün Hürriyet"), ("İncesu", "Süksün Zafer")],
    "Sindelhöyük": [
        ("Develi", "Sindelhöyük Camikebir"),
        ("Develi", "Sindelhöyük Fatih"),
        ("Develi", "Sindelhöyük Yenice"),
    ],
    "Kayapınar": [("Felahiye", "Kayapınar Cumhuriyet"), ("Felahiye", "Kayapınar Fatih Sultan Mehmet")],
    "Büyüktoraman": [("Felahiye", "Büyüktoraman Hürriyet"), ("Felahiye", "Büyüktoraman İstiklal")],
    "Mimar Sinan OSB": [("Melikgazi", "Mimarsinan Osb")],
    "Kayseri Organize Sanayi": [("Melikgazi", "Kayseriosb")],
}

# Provinces other than Kayseri and big-city districts that are not Kayseri names (ASCII-folded);
# everyday words like "ordu", "van", "kartal", "konak" are left out.
OTHER_IL = frozenset(
    """
    adana adiyaman afyon afyonkarahisar agri aksaray amasya ankara antalya ardahan artvin aydin balikesir
    bartin bayburt bilecik bingol bitlis bolu burdur bursa canakkale cankiri corum denizli diyarbakir
    duzce edirne elazig erzincan erzurum eskisehir gaziantep giresun gumushane hakkari hatay igdir
    isparta istanbul izmir kahramanmaras karabuk karaman kars kastamonu kilis kirikkale kirklareli
    kirsehir kocaeli konya kutahya malatya manisa mardin mersin mugla nevsehir nigde osmaniye rize
    sakarya samsun siirt sinop sivas sanliurfa sirnak tekirdag tokat trabzon tunceli usak yalova yozgat
    zonguldak
    atasehir avcilar bagcilar bakirkoy basaksehir bayrampasa besiktas beykoz beylikduzu beyoglu
    buyukcekmece catalca cekmekoy esenler eyupsultan gaziosmanpasa gungoren kadikoy kagithane
    kucukcekmece maltepe pendik sariyer silivri sultanbeyli sultangazi sisli umraniye uskudar
    zeytinburnu arnavutkoy cankaya kecioren yenimahalle etimesgut sincan altindag pursaklar polatli
    karsiyaka bornova bayrakli karabaglar nilufer meram seyhan cukurova yuregir
    """.split()
)

# Names of people and famous places (unique in Kayseri) that a locative ending makes a place:
# "Yunus Emre'de su yok" is the mahalle, "Yunus Emre'nin şiirleri" is the poet.
LOCATIVE_OK_NAMES = frozenset(
    """
    yunusemre asikseyrani seyrani ahievran ertugrulgazi fevzicakmak hocaahmetyesevi saraybosna turgutreis
    mehmetakifersoy osmankavuncu talatpasa mithatpasa ziyagokalp orucreis keykubat kilicaslan
    mimarsinan gevhernesibe yildirimbeyazit generalemir valiihsanaras karamustafapasa hunat musaseyh
    anafartalar hasanarpa alparslan alpaslan kocatepe tinaztepe gultepe dervisaga ismet
    """.split()
)

# Abbreviations in the registry's official names, as people write them in full (ASCII-folded).
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "e": ("eski",),
    "sht": ("sehit",),
    "ustgm": ("ustegmen",),
}
# Spellings of one word inside official names ("Camiikebir" is also written "Camikebir").
SPELLING_VARIANTS: dict[str, tuple[str, ...]] = {"camiikebir": ("camikebir",), "camii": ("cami",)}
# Numbers written out ("yüzüncü yıl" for 100.yıl).
NUMBER_WORDS: dict[str, tuple[str, ...]] = {"100": ("yuzuncu",), "75": ("yetmisbesinci",)}
