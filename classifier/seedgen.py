"""Generate the seed corpora (classifier/data/seed_corpus.csv and seed_types.csv).

Every phrase below was written for this project. Messages are built by combining a problem
phrase with a place, a duration and a closing, then some are ASCII-folded, misspelled or cut
short the way people type on a phone. Run `python -m classifier.seedgen` to regenerate; the
output is deterministic (fixed random seed).
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from classifier.textview import ascii_fold, fold

DATA_DIR = Path(__file__).resolve().parent / "data"
SEED = 20241123
PER_TOPIC = 160
PER_TYPE = 80

PLACES = [
    "Mahallemizde",
    "Sokağımızda",
    "Evimizin önünde",
    "Apartmanımızın yanında",
    "Cadde üzerinde",
    "Okulun karşısında",
    "Camii arkasında",
    "Pazar yerinin orada",
    "Sitemizin girişinde",
    "Köyümüzde",
    "Merkezde",
    "Hastane yolunda",
    "Çarşı içinde",
    "Yeni yerleşim alanında",
    "Bizim blokların arasında",
    "Şu an sokağımızda",
    "Şu adreste",
]
DURATIONS = [
    "3 gündür",
    "bir haftadır",
    "aylardır",
    "dün akşamdan beri",
    "sabahtan beri",
    "iki gündür",
    "uzun zamandır",
    "geçen haftadan beri",
    "bayramdan beri",
    "her gün",
    "",
]
CLOSINGS = [
    "Gereğinin yapılmasını rica ederim.",
    "Lütfen ilgilenin.",
    "Acil çözüm bekliyoruz.",
    "Kimse ilgilenmiyor.",
    "Defalarca aradık sonuç yok.",
    "Bilginize.",
    "Mağduruz.",
    "Yardımcı olursanız seviniriz.",
    "Artık bıktık.",
    "",
    "",
]

TOPICS: dict[str, dict[str, list[str]]] = {
    "su-kanalizasyon": {
        "problems": [
            "sular kesik ve ne zaman geleceği belli değil",
            "su yok, önceden haber verilmeden kesildi",
            "ana su borusu patladı, yola su akıyor",
            "kanalizasyon taştı, pis su sokağa yayıldı",
            "musluktan çamurlu ve kireçli su akıyor",
            "su basıncı çok düşük, üst katlara su çıkmıyor",
            "rögar kapağından pis koku geliyor",
            "su sayacı yanlış okunmuş, fatura çok yüksek geldi",
            "yağmur suyu ızgaraları tıkalı, her yağmurda sel oluyor",
            "bodrum katı kanalizasyon suyuyla doldu",
            "şebeke suyu kötü kokuyor, içemiyoruz",
            "su arızası için açılan çukur kapatılmadı",
            "abonelik işlemim için su bağlanmadı",
            "kanal hattı çökmüş, lağım kokusu var",
            "su faturama fazla tüketim yansıtılmış",
            "vanadan sürekli su sızıyor, israf oluyor",
        ],
        "short": [
            "su yok",
            "sular kesik",
            "su ne zaman gelir",
            "kanalizasyon taştı",
            "boru patladı",
            "lağım kokusu",
            "su faturası çok yüksek",
            "musluktan çamur akıyor",
            "rögar tıkalı",
            "suyumuz akmıyor",
            "su kesintisi",
            "atık su sokağa akıyor",
        ],
    },
    "ulasim": {
        "problems": [
            "otobüs seferleri saatinde gelmiyor, durakta yarım saat bekledik",
            "şoför durakta durmadan geçti",
            "otobüs çok kalabalık, ayakta bile yer yok",
            "tramvay arıza yaptı, seferler aksadı",
            "ulaşım kartıma yüklediğim bakiye görünmüyor",
            "öğrenci kartı vizesi yapılmadı",
            "şoför yolculara kaba davrandı ve telefonla konuştu",
            "durakta oturak ve sundurma yok, yağmurda ıslanıyoruz",
            "son sefer erken kaldırılmış, eve dönemiyoruz",
            "trafik ışıkları çalışmıyor, kavşakta kaza riski var",
            "otobüsün kliması çalışmıyor, içerisi çok sıcak",
            "hat güzergahı değişti, kimseye haber verilmedi",
            "otopark ücretleri çok pahalı",
            "engelli rampası açılmadı, tekerlekli sandalyeyle binemedim",
            "akıllı durak ekranı yanlış saat gösteriyor",
            "minibüs şoförü fazla ücret aldı",
        ],
        "short": [
            "otobüs gelmedi",
            "tramvay arızalı",
            "şoför durmadı",
            "kartım çalışmıyor",
            "sefer iptal mi",
            "durakta bekliyoruz",
            "otobüs çok geç",
            "trafik ışığı bozuk",
            "hat kaldırılmış",
            "otobüs dolu geçti",
            "kart bakiyesi yok oldu",
            "sefer saatleri",
        ],
    },
    "yol-altyapi": {
        "problems": [
            "yol çukurlarla dolu, araçlar zarar görüyor",
            "asfalt bozuldu, yama yapılması gerekiyor",
            "kaldırım taşları kırılmış, yaşlılar düşüyor",
            "kazı yapıldı ama yol eski haline getirilmedi",
            "kar küreme aracı sokağımıza hiç gelmedi",
            "buzlanma var, tuzlama yapılmadı",
            "yol yapımı yarım bırakıldı, toz toprak içindeyiz",
            "köy yolu stabilize bile değil, çamurdan geçilmiyor",
            "kaldırım yok, çocuklar yolda yürüyor",
            "mazgal kapağı çökmüş, yolda büyük çukur var",
            "parke taşları yerinden oynamış",
            "yol çizgileri silinmiş, gece görünmüyor",
            "sathi kaplama yapılacaktı, hala yapılmadı",
            "rampa çok dik ve kaygan, araçlar kayıyor",
            "köprü korkulukları kırık, tehlikeli",
        ],
        "short": [
            "yol çukur",
            "asfalt bozuk",
            "kaldırım kırık",
            "kar küreme yok",
            "yol buz tuttu",
            "çukur var",
            "yol yapılmadı",
            "yol çamur içinde",
            "asfalt ne zaman dökülecek",
            "kaldırım yapılsın",
            "parke taşları söküldü",
        ],
    },
    "park-bahce": {
        "problems": [
            "parktaki salıncaklar kırık, çocuklar yaralanıyor",
            "çimler biçilmedi, parkta ot bitti",
            "ağaç dalları elektrik tellerine değiyor, budanması lazım",
            "parkın sulama sistemi bozuk, bitkiler kurudu",
            "çocuk parkının zemini yırtılmış",
            "devrilmek üzere olan bir ağaç var",
            "parktaki banklar kırılmış, oturacak yer yok",
            "yeşil alan bakımsız, çöplüğe döndü",
            "parka yeni oyun grubu konulmasını istiyoruz",
            "spor aletleri paslanmış ve tehlikeli",
            "refüjdeki ağaçlar kurumuş, yenileri dikilmeli",
            "parkın çeşmesi çalışmıyor",
            "kuru yapraklar toplanmıyor",
            "mesire alanında masalar yetersiz",
            "parkta gece gençler toplanıp bankları kırıyor",
        ],
        "short": [
            "park bakımsız",
            "salıncak kırık",
            "ağaç budansın",
            "çimler biçilmedi",
            "park lazım",
            "ağaç devrilecek",
            "oyun parkı bozuk",
            "bank kırık",
            "yeşil alan kurudu",
            "çocuk parkı yapılsın",
            "ağaçlar kurudu",
        ],
    },
    "zabita": {
        "problems": [
            "seyyar satıcılar kaldırımı işgal etmiş, yürünmüyor",
            "iş yeri masa sandalyeyi kaldırıma koymuş",
            "gece yarısına kadar yüksek sesle müzik çalınıyor",
            "fırın ekmek gramajı eksik satıyor",
            "markette etiket fiyatı ile kasa fiyatı farklı",
            "ruhsatsız bir iş yeri açılmış",
            "lokantada hijyen kurallarına uyulmuyor",
            "dilenciler kavşakta araçları rahatsız ediyor",
            "pazarcılar tezgahları kaldırmadan gidiyor",
            "kaldırıma park eden araçlar geçişi engelliyor",
            "dükkan önüne mal yığıp yolu kapatmışlar",
            "inşaat gece saatlerinde gürültülü çalışıyor",
            "tabelasız bir hurdacı mahallede gürültü yapıyor",
            "kasap son kullanma tarihi geçmiş ürün satıyor",
            "taksiciler fazla ücret istiyor, denetim yok",
        ],
        "short": [
            "seyyar satıcı",
            "kaldırım işgali",
            "gürültü var",
            "zabıta gelsin",
            "ekmek gramajı eksik",
            "fiyat etiketi yok",
            "dilenci var",
            "işgal var",
            "ruhsatsız dükkan",
            "gece müzik sesi",
            "pazar yeri işgal",
        ],
    },
    "temizlik": {
        "problems": [
            "çöpler günlerdir toplanmadı, koku yayıldı",
            "çöp konteyneri taşmış, etrafa saçılmış",
            "konteyner kırık, kapağı kapanmıyor",
            "sokaklar süpürülmüyor, her yer toz içinde",
            "moloz yığını yol kenarına dökülmüş",
            "çöp kamyonu gece çok gürültülü çalışıyor",
            "geri dönüşüm kutusu konulmasını istiyoruz",
            "pazar yerinden sonra çöpler kaldırılmadı",
            "boş arsaya çöp atılıyor, fareler çoğaldı",
            "konteynerler yıkanmıyor, çok kötü kokuyor",
            "eski eşyaların alınması için ekip gelmedi",
            "yaprak ve bahçe atıkları toplanmıyor",
            "çöp arabası sokağa uğramıyor",
            "kaldırımlar yağ ve çöp içinde",
            "konteyner sayısı yetersiz",
        ],
        "short": [
            "çöp toplanmadı",
            "çöpler alınmıyor",
            "konteyner dolu",
            "koku var çöpten",
            "moloz atılmış",
            "sokak süpürülmedi",
            "konteyner lazım",
            "çöp kamyonu gelmedi",
            "her yer pislik",
            "çöp yığını",
            "cop toplanmiyor",
        ],
    },
    "veteriner": {
        "problems": [
            "sokak köpekleri çocuklara saldırıyor",
            "yaralı bir kedi yol kenarında yatıyor",
            "köpek sürüsü geceleri havlıyor, uyuyamıyoruz",
            "yolda ölü bir köpek var, kaldırılması gerekiyor",
            "sivrisinek çok fazla, ilaçlama yapılmadı",
            "bodrumda fare var, haşere ilaçlaması istiyoruz",
            "sahipsiz köpekler okul önünde toplanıyor",
            "bacağı kırık bir köpek görüyoruz, tedavi lazım",
            "hayvanlara kötü davranan biri var",
            "kısırlaştırılmamış köpekler çoğalıyor",
            "ahırdan gelen koku ve sinek sorunu var",
            "başıboş inekler yola çıkıyor",
            "kene ilaçlaması yapılmasını istiyoruz",
            "kuduz şüphesi olan bir köpek gördük",
            "hamamböceği ilaçlaması yapılmadı",
        ],
        "short": [
            "köpek saldırdı",
            "yaralı kedi",
            "sokak köpekleri",
            "ölü hayvan var",
            "ilaçlama yapılsın",
            "sivrisinek çok",
            "fare var",
            "başıboş köpek",
            "yaralı köpek",
            "hayvan ölüsü",
            "kopek saldiriyor",
        ],
    },
    "sosyal-yardim": {
        "problems": [
            "maddi durumumuz kötü, gıda yardımı istiyoruz",
            "kömür yardımı başvurum sonuçlanmadı",
            "engelli kardeşim için tekerlekli sandalye lazım",
            "yaşlı annem yalnız yaşıyor, evde bakım hizmeti istiyoruz",
            "sosyal yardım başvurum reddedildi, nedenini öğrenemedim",
            "eşim vefat etti, çocuklarıma bakacak gelirim yok",
            "aşevinden sıcak yemek alamıyoruz",
            "kira ödeyemiyoruz, yardım bekliyoruz",
            "öğrenci bursu ve kırtasiye yardımı talep ediyorum",
            "engelli aracı randevularına ulaşamıyoruz",
            "hasta bezi yardımı kesildi",
            "işsiz kaldım, ailemi geçindiremiyorum",
            "yatağa bağımlı hastam için temizlik desteği istiyoruz",
            "kadın sığınma evi hakkında destek almak istiyorum",
            "evimiz yandı, eşya yardımı lazım",
        ],
        "short": [
            "yardım istiyorum",
            "gıda yardımı",
            "kömür yardımı",
            "muhtacız",
            "evde bakım lazım",
            "engelli desteği",
            "yardim lazim",
            "aşevi",
            "erzak kolisi",
            "maddi yardım",
            "sosyal yardım başvurusu",
        ],
    },
    "imar": {
        "problems": [
            "komşu izinsiz kat çıkıyor, kaçak yapı var",
            "yapı ruhsatı başvurum aylardır bekliyor",
            "iskan belgesi verilmedi",
            "imar planı değişikliğine itiraz etmek istiyorum",
            "metruk bina yıkılmak üzere, çocuklar içine giriyor",
            "inşaat alanının etrafı çevrilmemiş, tehlikeli",
            "hazine arazisine gecekondu yapılıyor",
            "balkon kapatma için izin alınmamış",
            "arsamın imar durumu belgesini alamıyorum",
            "yıkım kararı olan yapı hala duruyor",
            "iskele kaldırıma taşmış, yayalar yola iniyor",
            "otoparksız apartman yapılıyor",
            "çatıya izinsiz baz istasyonu kuruldu",
            "ruhsatsız tadilat ile taşıyıcı duvar kırılıyor",
            "parsel sınırları yanlış çizilmiş",
        ],
        "short": [
            "kaçak yapı",
            "kaçak kat",
            "ruhsat ne oldu",
            "iskan alamadım",
            "metruk bina",
            "imar durumu",
            "kacak insaat var",
            "izinsiz inşaat",
            "yıkılacak bina",
            "gecekondu yapılıyor",
            "imar planı",
        ],
    },
    "aydinlatma": {
        "problems": [
            "sokak lambaları yanmıyor, gece zifiri karanlık",
            "direkteki lamba sürekli yanıp sönüyor",
            "parkın aydınlatması çalışmıyor, akşam girilmiyor",
            "sokak lambası gündüz de yanıyor, israf",
            "aydınlatma direği eğilmiş, devrilecek",
            "yeni açılan yola aydınlatma konmadı",
            "alt geçit karanlık, kadınlar geçmeye korkuyor",
            "lamba camı kırılmış, kablolar açıkta",
            "cadde aydınlatması yetersiz, kaza oluyor",
            "merdivenli sokakta hiç ışık yok",
            "köprünün ışıkları yanmıyor",
            "okul yolundaki direkler karanlık",
        ],
        "short": [
            "lamba yanmıyor",
            "sokak karanlık",
            "ışıklar yanmıyor",
            "lamba bozuk",
            "direk lambası",
            "aydınlatma yok",
            "sokak lambasi yanmiyor",
            "lamba yanıp sönüyor",
            "park karanlık",
            "ışık yok",
            "sokak ışıkları",
        ],
    },
    "diger": {
        "problems": [
            "kütüphanenin çalışma saatleri yetersiz",
            "nikah salonu için randevu alamıyorum",
            "mezarlıkta bakım yapılmıyor, yollar bozuk",
            "belediye personeli telefonda kaba konuştu",
            "emlak vergisi borcum yanlış hesaplanmış",
            "belediyenin internet sitesinden başvuru yapılamıyor",
            "cenaze aracı geç geldi",
            "hobi bahçesi kiralama sonuçları açıklanmadı",
            "spor tesisinin soyunma odaları pis",
            "kültür merkezindeki kurs kaydı yapılamadı",
            "kayıp eşya bürosuna ulaşamıyorum",
            "beyaz masa telefonu sürekli meşgul",
            "belediye sosyal tesisinde fiyatlar çok yüksek",
            "meclis kararlarına nereden ulaşabilirim",
            "muhtarlık ile belediye arasında işimiz yarım kaldı",
            "kreş kaydı için sıra bekliyoruz",
        ],
        "short": [
            "kütüphane kapalı",
            "nikah randevusu",
            "mezarlık bakımı",
            "vergi borcu yanlış",
            "beyaz masa cevap vermiyor",
            "personel kaba",
            "site açılmıyor",
            "cenaze hizmeti",
            "kurs kaydı",
            "emlak vergisi",
            "kreş kaydı",
        ],
    },
}

# More phrasing per topic, and second sentences that add detail the way real messages do.
TOPIC_EXTRA: dict[str, dict[str, list[str]]] = {
    "su-kanalizasyon": {
        "problems": [
            "haber verilmeden su kesintisi yapıldı, yaşlılar ve hastalar mağdur",
            "su arıza ekibi gelip baktı ama tamir etmeden gitti",
            "evimize gelen su sarı renkte ve tortulu",
            "sayaç değişiminden sonra faturam iki katına çıktı",
            "kanal bağlantısı yapılmadığı için foseptik kullanıyoruz",
            "depo temizliği yapılmıyor, sudan şüpheleniyoruz",
            "yağmurda alt geçit göle dönüyor, su tahliyesi yok",
            "arıza hattını aradım kimse açmadı, su hala akıyor",
        ],
        "details": [
            "Bulaşık, çamaşır hiçbir şey yapamıyoruz.",
            "Çocuklar ve yaşlılar var, su olmadan yaşanmıyor.",
            "Su idaresi ne zaman geleceğini söylemiyor.",
            "Pis su bodrumlara girdi, koku dayanılmaz.",
            "Damacana su almak zorunda kaldık.",
            "Tuvaleti bile kullanamıyoruz.",
        ],
    },
    "ulasim": {
        "problems": [
            "hat numaralı otobüs sabah seferlerinde hiç yer olmuyor, öğrenciler okula geç kalıyor",
            "şoför yaşlı bir yolcuya bağırdı ve kapıyı yüzüne kapattı",
            "otobüs kartımdan iki kez ücret kesildi",
            "aktarma süresi kısaltılmış, iki kez para ödüyoruz",
            "duraklarda sefer saatleri yazmıyor, uygulama yanlış gösteriyor",
            "tramvay istasyonunda turnikeler bozuk",
            "otobüs şoförü hız limitini aşıyor, yolcuların canı tehlikede",
            "mahallemize otobüs seferi konulmasını istiyoruz, ana yola yürümek zorundayız",
            "belediye otobüsü kavşakta kırmızıda geçti",
        ],
        "details": [
            "İşe her gün geç kalıyorum.",
            "Öğrenciler durakta soğukta bekliyor.",
            "Araç plakasını not aldım.",
            "Saat 8 sularında oldu.",
            "Şoförün kimlik numarası ekranda yazıyordu.",
            "Yolcular ayakta sıkış tepiş gidiyor.",
        ],
    },
    "yol-altyapi": {
        "problems": [
            "doğalgaz kazısından sonra yol bozuk bırakıldı, kimse asfaltı yapmadı",
            "yağmurdan sonra yol çamur deryasına dönüyor",
            "kaldırımdaki rögar kapağı açık, çocuk düşebilir",
            "mahalle yolumuz hiç asfalt görmedi",
            "yol genişletme çalışması aylardır bitmedi",
            "buzlu yolda araçlar kaydı, kum dökülmedi",
            "bozuk yollar yüzünden ambulans giremiyor",
            "engelli rampası olmayan kaldırımlar yüzünden tekerlekli sandalye geçemiyor",
        ],
        "details": [
            "Arabamın lastiği patladı.",
            "Yaşlı bir teyze kaldırımda düşüp yaralandı.",
            "Her yağmurda aynı çukur göle dönüyor.",
            "Toz yüzünden camları açamıyoruz.",
            "Fotoğrafını da çektim.",
        ],
    },
    "park-bahce": {
        "problems": [
            "park yapılacağı söylenen arsa hala boş duruyor",
            "parktaki tuvaletler kilitli, çocuklar mağdur",
            "ağaçların dalları pencereye kadar geldi, budama yapılmadı",
            "yürüyüş parkurunun zemini bozuk",
            "parkta çim yerine toprak kaldı, toz oluyor",
            "çocuk oyun alanının etrafı çevrilmemiş, köpekler giriyor",
            "süs havuzu kurumuş, sinek yuvası oldu",
            "parka gölgelik ve kamelya konmasını istiyoruz",
        ],
        "details": [
            "Çocuklarımız oynayacak yer bulamıyor.",
            "Akşamları aileler parka çıkamıyor.",
            "Kurumuş dallar her an düşebilir.",
            "Park bakımsızlıktan harabeye döndü.",
        ],
    },
    "zabita": {
        "problems": [
            "düğün salonundan gece yarısı havai fişek ve gürültü",
            "apartman altındaki dükkan kaldırıma tente ve ürün koymuş",
            "esnaf fiyat etiketi koymuyor, her müşteriye ayrı fiyat",
            "pazarda tartılar hileli, eksik tartıyorlar",
            "seyyar satıcı okul önünde açıkta gıda satıyor",
            "kahvehane gece geç saate kadar açık ve gürültülü",
            "lokantada bayat yemek satılıyor, zehirlendik",
            "iş yerinin bacası yok, duman evlere giriyor",
            "sokakta yüksek sesle anons yapan hurdacılar rahatsız ediyor",
        ],
        "details": [
            "Defalarca uyardık dinlemiyorlar.",
            "Zabıta ekibi gelip baksın.",
            "Gece uyuyamıyoruz, çocuklar sabah okula gidiyor.",
            "Fişini de sakladım.",
            "Kaldırımdan yürüyemiyoruz, yola iniyoruz.",
        ],
    },
    "temizlik": {
        "problems": [
            "çöp konteynerinin yeri değiştirilsin, tam pencerenin önünde",
            "konteynerler yıkanmadığı için sinek ve böcek doldu",
            "sokakta cam kırıkları ve çöpler var, süpürülmüyor",
            "yol kenarına evden çıkan eşyalar atılmış, kaldırılmıyor",
            "pazar yeri sonrası sokak çöp içinde kalıyor",
            "çöp toplama saatleri düzensiz, çöpler günlerce bekliyor",
            "geri dönüşüm kumbaraları dolmuş, boşaltılmıyor",
            "piknik alanı çöp içinde, temizlenmiyor",
        ],
        "details": [
            "Kokudan pencere açamıyoruz.",
            "Kediler ve köpekler çöpleri etrafa saçıyor.",
            "Fareler görmeye başladık.",
            "Çocuklar bu pisliğin içinde oynuyor.",
        ],
    },
    "veteriner": {
        "problems": [
            "sahipsiz köpekler sürü halinde geziyor, okula giden çocuklar korkuyor",
            "bir köpek aracın çarpması sonucu yaralandı, kanıyor",
            "kedi yavruları bodrumda aç kaldı",
            "köpek ısırdı, kuduz aşısı için hastaneye gittik",
            "mahallede kene ve pire çok arttı",
            "hayvan barınağına götürülen köpekler geri bırakılmış",
            "sokak hayvanları için mama ve su kabı konulmasını istiyoruz",
            "güvercinler çatıyı doldurdu, hastalık taşıyorlar",
        ],
        "details": [
            "Hayvan acı içinde, acil müdahale gerekiyor.",
            "Akşam dışarı çıkamıyoruz.",
            "Çocuğumu ısırmaya çalıştı.",
            "Barınak ekibi gelsin alsın.",
        ],
    },
    "sosyal-yardim": {
        "problems": [
            "engelli maaşım kesildi, nedenini kimse söylemiyor",
            "yaşlı babam yatalak, evde sağlık ve bakım desteği istiyoruz",
            "üç çocuğum var, eşim çalışamıyor, yardım başvurumuza cevap verilmedi",
            "kira yardımı başvurusu yaptım ama sonuç çıkmadı",
            "evimizde ısınacak kömür yok, çocuklar üşüyor",
            "kimsesiz yaşlı komşumuz yardıma muhtaç",
            "engelli kartı için başvurdum, randevu verilmedi",
            "gıda kartı yüklemesi bu ay yapılmadı",
            "hastalığım nedeniyle çalışamıyorum, ilaç parası bulamıyorum",
            "sosyal market kartı başvurum aylardır bekliyor",
        ],
        "details": [
            "Evde yiyecek bir şey kalmadı.",
            "Hiçbir geliri olmayan bir aileyiz.",
            "Muhtar da durumumuzu biliyor.",
            "Belgelerimin hepsini teslim ettim.",
            "Yardımlarınızı bekliyoruz, Allah razı olsun.",
        ],
    },
    "imar": {
        "problems": [
            "bitişikteki inşaat bizim duvarımızı çatlattı",
            "bahçeye izinsiz depo yapılıyor",
            "imar barışı başvurusunun sonucunu öğrenemedim",
            "yeni yapılan bina yolun yarısına taşmış",
            "tarla vasfındaki araziye villa yapılıyor",
            "kentsel dönüşüm süreci hakkında bilgi verilmiyor",
            "iskan alınmadan daireler satılıyor",
        ],
        "details": [
            "Belediyeden izin alınmadığını biliyoruz.",
            "Gece gizlice çalışıyorlar.",
            "Deprem riski olan bölgede böyle yapı olmaz.",
            "Tapu ve proje belgeleri ekte.",
        ],
    },
    "aydinlatma": {
        "problems": [
            "sokağımızdaki direklerin hiçbirinde ampul yanmıyor",
            "otobüs durağı karanlık, akşam beklemeye korkuyoruz",
            "parktaki aydınlatma direği kablosu açıkta, çarpılma tehlikesi var",
            "yeni yapılan kaldırımda aydınlatma direği yok",
            "yürüyüş yolundaki lambalar kırık",
        ],
        "details": [
            "Akşam eve dönerken korkuyoruz.",
            "Hırsızlık olaylarından endişeliyiz.",
            "Karanlıkta çukurları göremiyoruz.",
            "Arıza kaydı açtırdık ama gelen olmadı.",
        ],
    },
    "diger": {
        "problems": [
            "belediyedeki görevli işimi yapmadan beni başka birime gönderdi",
            "taziye evi için başvurdum, dönüş olmadı",
            "belediyenin düzenlediği konsere girişte kaos yaşandı",
            "belediye tesisinde çalışan personel müşterilere kaba davranıyor",
            "muhtarlığa ulaşamıyoruz, telefon açılmıyor",
            "belediyeden aldığım hizmetin faturası yanlış kesildi",
            "belediye kreşinde çocuğuma kötü davranıldı",
            "belediye havuzunda can kurtaran yok",
            "çalışma ruhsatı başvurusu için istenen belgeler belli değil",
            "hal binasında kiracı esnafın sorunları çözülmüyor",
            "belediye meclisine dilekçemi nasıl iletebilirim",
            "seçim öncesi verilen hizmet sözü tutulmadı",
        ],
        "details": [
            "Muhatap bulamıyoruz.",
            "Beyaz masa başka yere yönlendirdi.",
            "Bu konuyu kime iletmem gerektiğini bilmiyorum.",
            "Vatandaşa saygı bekliyoruz.",
        ],
    },
}
# Sentences people add to any municipal complaint; shared by all topics so they mark a message
# as a real request (not chit-chat) without pointing at one department.
CONTEXT = [
    "Beyaz masayı aradım, sonuç alamadım.",
    "Vergimizi düzenli ödüyoruz.",
    "Daha önce de şikayet ettik.",
    "Muhtarımıza da bildirdik.",
    "Yetkililerin dikkatine.",
    "Konu hakkında bilgi verilmesini rica ederim.",
    "Sayın Başkanım, sesimizi duyun.",
    "Mağduriyetimizin giderilmesini istiyoruz.",
    "153'ü aradım ama kayıt açılmadı.",
    "Adres: mahalle muhtarlığının karşısı.",
    "Saygılarımla.",
    "Kaç kere yazacağız?",
    "Şu an hala çözülmedi.",
    "Durumu şu şekilde özetleyeyim, her gün aynı sorun.",
    "Ailem ve ben çok zor durumdayız.",
]

# Messages that need no action, or that are not the municipality's business at all.
OUT_OF_SCOPE = {
    "spam": [
        "Takipçi satın almak için profilimdeki linke tıkla",
        "Bu kampanyayı kaçırma, yüzde elli indirim sadece bugün",
        "Evden çalışarak günde bin lira kazan, detaylar DM",
        "Bedava iPhone kazanmak için bu mesajı paylaş",
        "Kripto para yatırımı ile zengin olun, hemen yazın",
        "En ucuz kredi kartı borcu kapatma, bize ulaşın",
        "Şans oyununda büyük ikramiye seni bekliyor",
        "Sizin için özel fırsat: tatil paketi çekilişi",
        "takip edene takip, geri dönüş yapıyorum",
        "reklam için dm atın uygun fiyat",
    ],
    "chat": [
        "Günaydın Kayseri, herkese güzel bir gün dilerim",
        "Hava bugün çok güzel, pazar kahvaltısı yapıyoruz",
        "Maç kaç kaç bitti bilen var mı",
        "Hayırlı cumalar herkese",
        "Bu akşam ne yesek acaba",
        "Bayramınız kutlu olsun",
        "merhaba nasılsınız",
        "deneme deneme",
        "test mesajı",
        "selam",
        "iyi geceler",
        "ok",
        "tamam",
        "haha çok güldüm",
        "Yeni yılınız kutlu olsun, sağlıklı bir yıl dilerim",
        "Kar yağıyor, çocuklar kartopu oynuyor",
        "Mantı mı daha güzel pastırma mı",
        "Şehrin en güzel çay bahçesi hangisi",
    ],
    "politics": [
        "Başkan istifa etmeli, bu şehir daha iyisini hak ediyor",
        "Seçimde oyumu kime vereceğimi biliyorum",
        "Muhalefet yine boş konuşuyor",
        "İktidar ekonomiyi batırdı",
        "Bu parti ile bu şehir kalkınmaz",
        "Başkanımızın konuşması çok etkileyiciydi, yolu açık olsun",
        "Meclisteki tartışmayı izlediniz mi, rezalet",
        "Adayınızı açıklayın artık",
        "Miting çok kalabalıktı",
        "Belediye başkanı televizyonda yine şov yapıyor",
        "Hangi parti kazanırsa kazansın değişen bir şey yok",
    ],
    "not_municipal": [
        "Doğalgaz faturam çok yüksek geldi",
        "Doğalgaz kesildi, kombi çalışmıyor",
        "İnternet bağlantım iki gündür yok",
        "Kargo şirketi paketimi teslim etmedi",
        "Telefon hattım kapandı, operatör ilgilenmiyor",
        "Bankadan kredi çekemedim",
        "Elektrik faturasında kaçak bedeli var",
        "Online alışverişte ürün bozuk geldi",
        "Doğalgaz abonelik işlemi yapılmadı",
        "Cep telefonum tamirden gelmedi",
        "Özel hastanede randevu alamadım",
    ],
}

OUT_OF_SCOPE["opinion"] = [
    "Şu an bu şehirde yaşamak bir ayrıcalık",
    "Şu başkanın yaptığı işlere bakın, helal olsun",
    "Başkanımız harika iş çıkarıyor, tebrikler",
    "Şu açıklamayı okuyunca güldüm",
    "Şu işe bak ya, herkes konuşuyor",
    "Bu yönetim gitsin de kim gelirse gelsin",
    "Eski başkan zamanında her şey daha iyiydi",
    "Şu videoyu izleyin mutlaka",
    "Belediye başkanının dünkü röportajını izledim",
    "Şu an gündem çok yoğun",
    "Sosyal medyada herkes aynı şeyi paylaşıyor",
    "Oy verdiğime pişman değilim",
    "Biz bu filmi daha önce görmüştük",
    "Ne diyeyim, hayırlısı olsun",
]
OUT_OF_SCOPE["news_events"] = [
    "Hafta sonu festivalde konser var, herkesi bekliyoruz",
    "Kitap fuarı bu yıl çok kalabalıktı",
    "Bugünkü maçı kazanırsak şampiyonluk yolu açılır",
    "Erciyes'te kayak sezonu açıldı, hava harika",
    "Yeni açılan kafe çok güzel olmuş",
    "Anneler gününüz kutlu olsun",
    "Kandiliniz mübarek olsun",
    "Gazetede belediyeyle ilgili haber çıkmış",
    "Düğünümüze herkes davetli",
    "Şehrin tarihi yerlerini gezdik, çok beğendik",
    "Bu sabahki deprem haberi korkuttu",
    "Yarın hava yağmurlu olacakmış",
]
OOS_DECOR = ["", "", " 😂", " !!!", " #kayseri", " @belediye", " 👍", " ...", " bence", " #gündem", " 👏👏"]
OOS_PREFIX = ["", "", "", "RT @kullanici: ", "@kullanici ", "@kullanici @kullanici "]

# Request-type cue phrases: the same problem can be an istek, a şikayet, a question...
TYPE_FRAMES: dict[str, list[str]] = {
    "istek": [
        "{p}. Gerekli çalışmanın yapılmasını talep ediyorum.",
        "{p}, bu konuda ekip gönderilmesini rica ediyoruz.",
        "Lütfen {p} sorunu için gerekli düzenlemeyi yapın.",
        "{p}. Bir an önce çözülmesini istiyoruz.",
        "Rica etsem {p} konusuna bakabilir misiniz?",
        "{p}, ekip yönlendirilmesini arz ederim.",
        "{p}. Yapılması için dilekçe veriyorum.",
        "talebim: {p}. ilgilenirseniz sevinirim",
    ],
    "sikayet": [
        "{p}. Bu rezalete artık bir son verin!",
        "{p} ve kimse ilgilenmiyor, çok mağduruz.",
        "Bıktık artık, {p}. Şikayetçiyim.",
        "{p}. Defalarca aradık, hala çözülmedi, çok kötü hizmet.",
        "Yazıklar olsun, {p}.",
        "{p}. Bu ihmali şikayet ediyorum.",
        "{p}, vergimizi veriyoruz ama hizmet yok.",
        "{p} hala aynı, hiç mi utanmıyorsunuz",
        "{p}.",
        "{p}",
        "{p}. {d} böyle.",
        "{d} {p}.",
    ],
    "ihbar": [
        "İhbar ediyorum: {p}.",
        "Haberiniz olsun, şu an {p}. Adres aşağıda.",
        "{p}. Bunu bildirmek istedim, yerinde tespit yapılsın.",
        "İsmimin gizli kalmasını istiyorum, {p}.",
        "Şu anda gözümün önünde {p}, acilen ekip gönderin.",
        "{p}. İhbarımın değerlendirilmesini rica ederim.",
        "kural dışı bir durum var: {p}",
    ],
    "gorus_oneri": [
        "Bir önerim var: {q} güzel olur.",
        "Bence {q} şehre çok yakışır.",
        "Önerim şudur, {q} iyi olur diye düşünüyorum.",
        "Fikrimi paylaşmak istedim: {q} faydalı olabilir.",
        "{q} daha iyi olmaz mı? Öneri olarak iletiyorum.",
        "görüşüm şu ki {q} çok işe yarar",
        "Tavsiye: {q} gerçekten iyi olurdu.",
    ],
    "bilgi_edinme": [
        "{t} hakkında bilgi almak istiyorum.",
        "{t} ne zaman yapılacak, bilgi verir misiniz?",
        "4982 sayılı Bilgi Edinme Kanunu kapsamında {t} ile ilgili belgeleri talep ediyorum.",
        "{t} için hangi belgeler gerekiyor?",
        "Merak ediyorum, {t} konusunda süreç nasıl işliyor?",
        "{t} hakkında nereye başvurmam gerekiyor?",
        "{t} ile ilgili harcama bilgisini öğrenebilir miyim?",
        "{t} ne durumda acaba",
    ],
    "tesekkur": [
        "{t} için emeği geçen herkese teşekkür ederiz.",
        "{t} çok hızlı halledildi, teşekkürler.",
        "Ekiplerinize {t} konusundaki ilgileri için çok teşekkür ederim.",
        "{t} için gösterdiğiniz hassasiyetten dolayı sağ olun.",
        "Allah razı olsun, {t} sorunumuz çözüldü.",
        "{t} konusunda memnun kaldık, eline sağlık.",
        "tesekkurler {t} icin, cok memnunuz",
    ],
}
SUGGESTIONS = [
    "parka bisiklet yolu yapılması",
    "durağa akıllı ekran konulması",
    "mahalleye kütüphane açılması",
    "gece otobüs seferlerinin artırılması",
    "çöp konteynerlerinin yer altına alınması",
    "sokak hayvanları için mama noktaları kurulması",
    "yaşlılar için ücretsiz servis konulması",
    "parklara güneş enerjili aydınlatma takılması",
    "cadde kenarına ağaç dikilmesi",
    "pazar yerinin kapalı hale getirilmesi",
    "gençler için spor sahası yapılması",
    "kavşağa üst geçit yapılması",
]
SUBJECTS = [
    "su kesintisi",
    "otobüs seferleri",
    "yol asfaltlama",
    "park yenileme",
    "çöp toplama",
    "sokak hayvanları",
    "sosyal yardım başvurusu",
    "imar planı",
    "sokak aydınlatması",
    "kar küreme",
    "kaldırım çalışması",
    "ağaç budama",
    "yapı ruhsatı",
    "ulaşım kartı",
    "ilaçlama",
]
# Problems used inside type frames, kept short and neutral.
TYPE_PROBLEMS = [
    "sokağımızın çöpleri toplanmıyor",
    "su borusu patladı",
    "yol çukurlarla dolu",
    "parktaki salıncak kırık",
    "otobüs durakta durmuyor",
    "sokak lambası yanmıyor",
    "kaldırım işgal edilmiş",
    "komşu kaçak kat çıkıyor",
    "sokak köpekleri saldırıyor",
    "seyyar satıcılar yolu kapatmış",
    "kanalizasyon taşıyor",
    "ağaç devrilmek üzere",
    "inşaat gece gürültü yapıyor",
    "boş arsaya moloz dökülüyor",
    "yaralı bir kedi var",
]


def _misspell(text: str, rng: random.Random) -> str:
    chars = list(text)
    for _ in range(max(1, len(chars) // 40)):
        if len(chars) < 4:
            break
        i = rng.randrange(1, len(chars) - 1)
        op = rng.random()
        if op < 0.4:
            del chars[i]
        elif op < 0.7:
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        else:
            chars.insert(i, chars[i])
    return "".join(chars)


def _variant(text: str, rng: random.Random) -> str:
    """Phone-typing noise: ASCII-only keyboards, lower case, typos, no punctuation."""
    r = rng.random()
    if r < 0.25:
        text = ascii_fold(text)
    elif r < 0.4:
        text = fold(text).rstrip(".!")
    if rng.random() < 0.2:
        text = _misspell(text, rng)
    return text


def _compose(problem: str, rng: random.Random, details: list[str]) -> str:
    place = rng.choice(PLACES)
    duration = rng.choice(DURATIONS)
    closing = rng.choice(CLOSINGS)
    form = rng.randrange(4)
    if form == 0:
        body = f"{place} {duration} {problem}."
    elif form == 1:
        body = f"{problem[0].upper()}{problem[1:]}. {place.lower()} durum bu."
    elif form == 2:
        body = f"{duration.capitalize()} {problem}." if duration else f"{problem.capitalize()}."
    else:
        body = f"Merhaba, {place.lower()} {problem}."
    # Real messages often carry a detail and some general complaint language.
    if details and rng.random() < 0.5:
        body += " " + rng.choice(details)
    if rng.random() < 0.35:
        body += " " + rng.choice(CONTEXT)
    return " ".join(f"{body} {closing}".split())


def topic_examples(rng: random.Random) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for code, spec in TOPICS.items():
        seen: set[str] = set()
        for s in spec["short"]:
            for text in (s, _variant(s, rng)):
                if text not in seen:
                    seen.add(text)
                    rows.append((code, text))
        attempts = 0
        while len(seen) < PER_TOPIC and attempts < PER_TOPIC * 20:
            attempts += 1
            extra = TOPIC_EXTRA.get(code, {})
            problems = spec["problems"] + extra.get("problems", [])
            text = _variant(_compose(rng.choice(problems), rng, extra.get("details", [])), rng)
            if text not in seen:
                seen.add(text)
                rows.append((code, text))
    seen_oos: set[str] = set()
    pool = [t for group in OUT_OF_SCOPE.values() for t in group]
    for text in pool:
        seen_oos.add(text)
        rows.append(("out_of_scope", text))
    attempts = 0
    while len(seen_oos) < PER_TOPIC and attempts < PER_TOPIC * 20:
        attempts += 1
        body = rng.choice(pool)
        if rng.random() < 0.3:
            body += ". " + rng.choice(pool)
        text = _variant(rng.choice(OOS_PREFIX) + body + rng.choice(OOS_DECOR), rng)
        if text not in seen_oos:
            seen_oos.add(text)
            rows.append(("out_of_scope", text))
    return rows


def type_examples(rng: random.Random) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    problems = TYPE_PROBLEMS + [p for spec in TOPICS.values() for p in spec["problems"]]
    for code, frames in TYPE_FRAMES.items():
        seen: set[str] = set()
        attempts = 0
        while len(seen) < PER_TYPE and attempts < PER_TYPE * 30:
            attempts += 1
            frame = rng.choice(frames)
            text = frame.format(
                p=rng.choice(problems),
                q=rng.choice(SUGGESTIONS),
                t=rng.choice(SUBJECTS),
                d=rng.choice(DURATIONS[:-1]),
            ).strip()
            text = _variant(text[0].upper() + text[1:], rng)
            if text not in seen:
                seen.add(text)
                rows.append((code, text))
    return rows


def _write(path: Path, rows: list[tuple[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["label", "text"])
        writer.writerows(rows)


def main() -> None:
    rng = random.Random(SEED)
    _write(DATA_DIR / "seed_corpus.csv", topic_examples(rng))
    _write(DATA_DIR / "seed_types.csv", type_examples(rng))


if __name__ == "__main__":
    main()
