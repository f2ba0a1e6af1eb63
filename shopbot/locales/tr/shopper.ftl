# Müşterilerin gördüğü metinler: menüler, katalog, satın alma, siparişler, cüzdan, bildirimler, hatalar.

# Dilin kendi adı ve yazı yönü (ltr veya rtl).
language-name = Türkçe
language-direction = ltr
money-local_and_usd = { $local } ({ $usd })

## menü, yardım, ayarlar
menu-greeting =
    Merhaba { $name }! Mağazaya hoş geldiniz.
    Ne yapmak istersiniz?
notice-maintenance = 🛠 Mağaza bakımda: yeni siparişler şimdilik durduruldu. Cüzdanınız ve siparişleriniz çalışmaya devam ediyor.
notice-emergency = ⛔ Mağaza geçici olarak durduruldu. Personel mağazayı yeniden açana kadar satın alma, bakiye yükleme ve değişiklikler durduruldu; siparişlerinizi ve cüzdanınızı yine de görüntüleyebilirsiniz.
notice-reason = Sebep: { $reason }
notice-stale_button = Bu düğmenin süresi doldu. Lütfen en son mesajı kullanın.
notice-unavailable = Bu artık mevcut değil.
input-not_understood = Bunu anlayamadım.
help-text =
    ℹ️ Nasıl çalışır?
    • Mağaza: bir kategori ve ürün seçin, ardından satın almak için adımları izleyin.
    • Cüzdan: bakiye yükleyin ve geçmişinizi görün.
    • Siparişlerim: siparişlerinizi takip edin, teslimatları görün, izin verildiği sürece iptal edin.
    • Ayarlar: dil ve para birimi.

    Komutlar: /start, /menu, /cancel, /help
help-support = Yardım mı lazım? Destekle iletişime geçin: { $contact }
help-no_support = Yardım mı lazım? Buraya yazın, personelimiz size dönüş yapacak.
settings-text =
    ⚙️ Ayarlar
    Dil: { $language }
    Fiyatların gösterildiği para birimi: { $currency }
settings-language_changed = Dil değiştirildi.
settings-currency_changed = Para birimi değiştirildi.
currency-choose = Fiyatların gösterileceği para birimini seçin (ödemeyi her zaman bakiyenizden USD tutarı olarak yaparsınız):

## düğmeler
button-shop = 🛍 Mağaza
button-wallet = 👛 Cüzdan
button-orders = 📦 Siparişlerim
button-settings = ⚙️ Ayarlar
button-help = ℹ️ Yardım ve destek
button-menu = 🏠 Ana menü
button-back = ⬅️ Geri
button-categories = ⬅️ Kategoriler
button-previous = ◀️ Önceki
button-next = Sonraki ▶️
button-older = Daha eski ▶️
button-buy = 🛒 Satın al
button-cancel = ✖️ İptal
button-confirm = ✅ Onayla
button-skip_coupon = Kuponum yok
button-pay_balance = 👛 Bakiye ({ $balance })
button-topup = ➕ Bakiye yükle
button-history = 📜 Geçmiş
button-referrals = 🎁 Arkadaşlarını davet et
button-currency = 💱 Para birimi
button-cancel_order = ✖️ Siparişi iptal et
button-yes_cancel_order = Evet, iptal et
button-order_details = 📦 Sipariş ayrıntıları

## katalog
shop-empty = Mağazada henüz ürün yok. Lütfen daha sonra tekrar gelin.
shop-choose_category = Bir kategori seçin:
category-title = 📂 { $name }
category-empty = Şu anda burada satışta ürün yok.
category-choose_product = Bir ürün seçin:
product-title = 🏷 { $name }
product-price = Fiyat: { $price }
product-in_stock = ✅ Stokta var
product-stock_left = ✅ Stokta var (kalan: { $count })
product-per_order = 🔢 Sipariş başına en fazla { $count } adet
product-also_bought = 👥 Bunu alanlar şunları da aldı:
product-out_of_stock = ❌ Stokta yok
product-needs_player_id = Sizden { $label } bilgisi istenecek ({ $rule }).
rule-digits = yalnızca rakamlardan oluşan, { $min }–{ $max } karakter uzunluğunda
rule-alphanumeric = yalnızca Latin harfleri ve rakamlardan oluşan, { $min }–{ $max } karakter uzunluğunda
rule-mask = { $mask } biçiminde (# rakam, A harf, * ikisinden biri)

## satın alma
buy-player_id_prompt =
    { $label } bilginizi gönderin.
    { $rule } olmalıdır.
buy-player_id_rejected =
    Bu { $label } doğru görünmüyor: { $rule } olmalıdır.
    Lütfen tekrar gönderin.
buy-coupon_prompt = Kuponunuz var mı? Kodunu gönderin ya da "Kuponum yok" düğmesine dokunun.
buy-coupon_rejected =
    ❌ { $reason }
    Başka bir kod gönderin ya da "Kuponum yok" düğmesine dokunun.
buy-coupon_applied = ✅ { $coupon } kuponu uygulandı.
buy-payment_prompt = Nasıl ödemek istersiniz?
buy-method_instructions =
    💳 { $method }
    Gönderilecek tutar: { $amount }

    { $instructions }

    Ardından dekontun fotoğrafını ya da işlem numarasını metin olarak gönderin.
buy-proof_expected = Lütfen dekontun fotoğrafını ya da işlem numarasını metin olarak gönderin.
summary-title = 🧾 Sipariş özeti
summary-product = Ürün: { $name }
summary-player_id = { $label }: { $player_id }
summary-player_id_label = Oyuncu ID
summary-price = Fiyat: { $price }
summary-quantity = Adet: { $count } × { $price }
quantity-prompt = Kaç adet { $name } istersiniz? Bir sayıya dokunun veya 1 ile { $max } arasında bir sayı gönderin.
quantity-rejected = Lütfen 1 ile { $max } arasında bir tam sayı gönderin.
summary-discount = { $coupon } kuponu: −{ $discount }
summary-total = Toplam: { $total }
summary-total_local = Kendi para biriminizde toplam: { $total }
summary-pay_balance = Bakiyenizden ödenir (şu anki bakiye: { $balance }).
summary-pay_method = { $method } ile ödenir: { $amount }, personel tarafından kontrol edilir.
summary-confirm_hint = Siparişi vermek için Onayla'ya dokunun.
flow-cancelled = İptal edildi. Hiçbir ücret alınmadı.

## siparişler
order-placed = ✅ #{ $id } numaralı sipariş verildi.
order-title = 📦 Sipariş #{ $id }
order-product = Ürün: { $name }
order-status = Durum: { $status }
order-player_id = Oyuncu ID: { $player_id }
order-total = Toplam: { $total }
order-quantity = Adet: { $count } × { $price }
order-item_units = { $count } × { $name }
order-total_local = Kendi para biriminizde: { $total }
order-coupon = { $coupon } kuponu: −{ $discount }
order-paid_by_method = Havale ile ödendi: { $amount }
order-created = Sipariş tarihi: { $date }
order-delivery = 🎁 Teslimat: { $delivery }
order-failure = Sebep: { $reason }
order-awaiting_review = ⏳ Personel ödemenizi kontrol ediyor.
orders-title = 📦 Siparişleriniz:
orders-empty = Henüz siparişiniz yok.
order-cancel_confirm = #{ $id } numaralı sipariş iptal edilsin mi?
order-cancel_confirm_refund = #{ $id } numaralı sipariş iptal edilsin mi? { $total } bakiyenize iade edilecek.
order-cancelled = #{ $id } numaralı sipariş iptal edildi.
order-cancelled_refunded = #{ $id } numaralı sipariş iptal edildi. { $total } bakiyenize iade edildi.
order-not_cancellable = Bu sipariş artık iptal edilemez.
status-awaiting_payment = ⏳ ödeme kontrolü bekleniyor
status-paid = 💰 ödendi, hazırlanıyor
status-processing = ⚙️ işleniyor
status-completed = ✅ tamamlandı
status-failed = ❌ başarısız
status-cancelled = ✖️ iptal edildi

## cüzdan
wallet-balance = 👛 Bakiyeniz: { $balance }
wallet-pending = ⏳ İnceleme bekleyen bakiye yüklemeleri: { $count }
referral-title = 🎁 Arkadaşlarını davet et
referral-link = Bağlantını paylaş: { $link }
referral-reward_percent = Bu bağlantıyla gelen bir arkadaşın ilk siparişini tamamladığında, o siparişin %{ $percent } kadarı bakiyene eklenir.
referral-reward_fixed = Bu bağlantıyla gelen bir arkadaşın ilk siparişini tamamladığında bakiyene { $amount } eklenir.
referral-no_program = Mağaza şu an davet ödülü vermiyor; bağlantınla gelen arkadaşların yine de sayılır.
referral-stats = Davet edilen arkadaş: { $referred } · ödül: { $rewarded } · kazanç: { $earned }
referral-welcome = 🎁 Hoş geldin! Bir arkadaşının davetiyle katıldın.
topup-no_methods = Şu anda kullanılabilir bir bakiye yükleme yöntemi yok.
topup-choose_method = Parayı nasıl göndereceğinizi seçin:
topup-amount_prompt =
    💳 { $method }
    { $instructions }

    { $currency } cinsinden ne kadar göndereceksiniz? ({ $min } ile { $max } arası)
topup-proof_prompt = { $amount } gönderin, ardından dekontun fotoğrafını ya da işlem numarasını metin olarak gönderin.
topup-requested = ✅ { $amount } (≈ { $usd }) tutarındaki #{ $id } numaralı bakiye yükleme talebiniz incelemeye gönderildi. Kontrol edildiğinde size mesaj gelecek.
history-title = 📜 Cüzdan geçmişi
history-empty = Henüz hareket yok.
history-entry = { $date } · { $kind } · { $amount } → { $balance }
history-topups_title = Son bakiye yüklemeleri:
history-topup = #{ $id } · { $amount } · { $status }
ledger-topup = bakiye yükleme
ledger-purchase = satın alma
ledger-refund = iade
ledger-adjustment = düzeltme
ledger-payment = ödeme
topup_status-pending = ⏳ inceleme bekliyor
topup_status-approved = ✅ onaylandı
topup_status-rejected = ❌ reddedildi

## bildirimler
notify-order_completed = ✅ #{ $id } numaralı siparişiniz tamamlandı!
notify-order_failed = ❌ #{ $id } numaralı siparişiniz başarısız oldu: { $reason }
notify-order_cancelled = ✖️ #{ $id } numaralı siparişiniz iptal edildi.
notify-refunded = { $total } bakiyenize iade edildi.
notify-refunded_plain = Tutar bakiyenize iade edildi.
notify-payment_confirmed = 💰 #{ $id } numaralı siparişin ödemesi onaylandı. Siparişiniz hazırlanıyor.
notify-topup_approved = ✅ #{ $id } numaralı bakiye yükleme onaylandı: { $amount } bakiyenize eklendi.
notify-topup_rejected = ❌ #{ $id } numaralı bakiye yükleme reddedildi: { $reason }
notify-referral_rewarded = 🎁 Davet ettiğin bir arkadaş ilk siparişini tamamladı: bakiyene { $amount } eklendi.

## hatalar (bir müşterinin karşılaşabileceği her Error::kind için bir tane)
error-internal = Bizim tarafımızda bir sorun oluştu. Lütfen biraz sonra tekrar deneyin.
error-generic = Bu işlem olmadı. Lütfen tekrar deneyin ya da destekle iletişime geçin.
error-denied-banned = ⛔ Hesabınız engellendi. Bunun bir hata olduğunu düşünüyorsanız destekle iletişime geçin.
error-denied-unknown_actor = Lütfen önce /start gönderin.
error-mode-emergency = ⛔ Mağaza geçici olarak durduruldu; satın alma, bakiye yükleme ve değişiklikler durduruldu. Lütfen daha sonra tekrar deneyin.
error-mode-maintenance = 🛠 Mağaza bakımda: yeni siparişler şimdilik durduruldu. Cüzdanınız ve siparişleriniz çalışmaya devam ediyor.
error-wallet-insufficient_balance = Bakiyeniz ({ $balance }) yetersiz: bunun tutarı { $needed }. Cüzdanınıza bakiye yükleyin ya da başka bir ödeme yöntemi seçin.
error-wallet-balance_limit = Bu işlemle bakiyeniz üst sınırı aşar.
error-wallet-too_many_pending = İnceleme bekleyen { $max } bakiye yükleme talebiniz zaten var. Lütfen bunlar kontrol edilene kadar bekleyin.
error-wallet-rounds_to_zero = Bu tutar yüklenemeyecek kadar küçük.
error-wallet-topup_not_found = Böyle bir bakiye yükleme yok.
error-order-not_found = Böyle bir sipariş yok.
error-order-product_inactive = Bu ürün şu anda satışta değil.
error-order-product_archived = Bu ürün artık satılmıyor.
error-order-out_of_stock = Üzgünüz, bu ürünün stoğu tükendi.
error-order-not_enough_stock = Yalnızca { $available } adet kaldı, siz { $wanted } adet istediniz. Lütfen daha az seçin.
error-order-bad_quantity = Bir siparişte bu üründen 1 ile { $max } adet arasında alabilirsiniz.
error-order-open_order_exists = Zaten açık bir siparişiniz var (#{ $id }). Önce tamamlanmasını bekleyin ya da Siparişlerim bölümünden iptal edin.
error-order-payment_out_of_range = Bu yöntem { $min } ile { $max } arası tutarları kabul ediyor; bu siparişin tutarı { $amount }. Lütfen başka bir ödeme yöntemi seçin.
error-order-player_id_required = Bu ürün için { $label } bilginiz gerekiyor.
error-order-bad_player_id = Bu oyuncu ID, ürünün gerektirdiği biçime uymuyor.
error-order-bad_transition = Bu sipariş artık değiştirilemez.
error-order-with_supplier = Bu sipariş tedarikçide ve sonucu henüz belli değil. Otomatik olarak sonuçlanacak; o zamana kadar değiştirilemez.
error-order-proof_required = Lütfen önce ödeme kanıtınızı gönderin.
error-catalog-product_not_found = Bu ürün artık mevcut değil.
error-catalog-category_not_found = Bu kategori artık mevcut değil.
error-payment_method-not_found = Böyle bir ödeme yöntemi yok.
error-payment_method-deleted = Bu ödeme yöntemi artık sunulmuyor.
error-payment_method-inactive = Bu ödeme yöntemi şu anda kullanılamıyor.
error-currency-unknown = Bu para birimi sunulmuyor.
error-currency-disabled = Bu para birimi şu anda kullanılamıyor.
error-coupon-not_found = Bu koda ait bir kupon yok.
error-coupon-inactive = Bu kupon devre dışı.
error-coupon-expired = Bu kuponun süresi doldu.
error-coupon-used_up = Bu kuponun kullanım hakkı doldu.
error-coupon-already_used_by_you = Bu kuponu zaten kullandınız.
error-coupon-below_minimum = Bu kupon için sipariş tutarı en az { $min } olmalıdır.
error-coupon-not_applicable = Bu kupon bu ürün için geçerli değil.
error-invalid-coupon_code = Kupon kodu 3–32 karakterden oluşur: harf, rakam, - veya _.
error-invalid-empty_text = Lütfen bir metin gönderin.
error-invalid-text_too_long = Bu metin çok uzun.
error-invalid-forbidden_character = Bu metin izin verilmeyen karakterler içeriyor.
error-invalid-request_key_reused = Bu istek daha önce farklı şekilde işlendi. Lütfen baştan başlayın.
error-amount-not_a_number = Lütfen yalnızca bir sayı gönderin, örneğin 25 veya 12.50.
error-amount-not_positive = Tutar sıfırdan büyük olmalıdır.
error-amount-too_many_decimals = En fazla { $decimals } ondalık basamak kullanın.
error-amount-too_large = Bu yolla gönderebileceğiniz en yüksek tutar { $max }.
error-amount-too_small = Bu yolla gönderebileceğiniz en düşük tutar { $min }.

## işlemler (hız sınırı, personel uyarıları, yedekler, duyurular)
ratelimit-notice = Çok hızlı mesaj gönderiyorsunuz. Lütfen birkaç saniye bekleyin; ardından tekrar yanıt vereceğim.
alert-storage = ⚠️ Botta depolama hatası: { $detail }
alert-verify =
    🚨 Başlangıçtaki bütünlük kontrolü başarısız oldu; mağaza ACİL DURUM modunda.
    { $detail }
alert-backup = ⚠️ Bir yedekleme başarısız oldu: { $detail }
alert-handler = ⚠️ Bot bir güncellemeyi işleyemedi: { $detail }
alert-retention = ⚠️ Eski kayıtlar temizlenemedi: { $detail }
alert-staff_chat = ⚠️ Bir bildirim personel sohbetine iletilemedi (botun hâlâ sohbette olduğunu kontrol edin): { $detail }
alert-suppressed = { $count ->
    [one] (Son uyarıdan bu yana benzer bir uyarı daha bekletildi.)
   *[other] (Son uyarıdan bu yana benzer { $count } uyarı daha bekletildi.)
}
backup-done = 💾 Yedek yazıldı: { $file } ({ $bytes } bayt).
backup-failed = ⚠️ Yedekleme başarısız oldu; ayrıntılar günlükte.
broadcast-ask_text = Şimdi duyurunun metnini gönderin (ya da /cancel).
broadcast-preview =
    📣 Duyurunun önizlemesi:

    { $text }
broadcast-confirm = { $audience } kullanıcıya gönderilecek. Gönderilsin mi?
broadcast-button_send = ✅ Gönder
broadcast-button_discard = ✖️ Vazgeç
broadcast-button_cancel = ⏹ Gönderimi durdur
broadcast-discarded = Duyurudan vazgeçildi.
broadcast-cancelling = Duyuru durduruluyor…
broadcast-progress =
    📣 Duyuru #{ $id }: { $audience } kişiden { $done } tanesi işlendi
    ✅ gönderilen { $sent } · 🚫 engelleyen { $blocked } · ⚠️ başarısız { $failed }
broadcast-finished =
    📣 Duyuru #{ $id } tamamlandı: { $audience } kişiden { $done } tanesi işlendi
    ✅ gönderilen { $sent } · 🚫 engelleyen { $blocked } · ⚠️ başarısız { $failed }
broadcast-cancelled =
    📣 Duyuru #{ $id } durduruldu: { $audience } kişiden { $done } tanesi işlendi
    ✅ gönderilen { $sent } · 🚫 engelleyen { $blocked } · ⚠️ başarısız { $failed }
role-user = müşteri
role-support = destek
role-operator = operatör
role-super_admin = süper yönetici
kind-game_top_up = oyun yüklemesi
kind-gift_card = hediye kartı
kind-subscription = abonelik
kind-other = diğer
delivery-manual = elle
delivery-codes = kod havuzundan
delivery-supplier = tedarikçi tarafından
delivery-supplier_sku = tedarikçi tarafından (SKU { $sku })
store_state-open = açık
store_state-maintenance = bakımda
store_state-emergency = acil durdurma
fulfilment-manual = manuel
fulfilment-auto = otomatik
error-denied-missing_permission = ⛔ Rolünüz buna izin vermiyor ({ $permission }). Deneme kaydedildi.
error-denied-cannot_manage = ⛔ Yalnızca sizden düşük rütbedeki kişiler üzerinde işlem yapabilirsiniz.
error-denied-cannot_grant = ⛔ Bu rolü veremezsiniz.
error-denied-self_action = ⛔ Bunu kendinize yapamazsınız.
error-wallet-already_decided = Bu bakiye yükleme zaten sonuçlandırıldı: { $status }. Başka bir işlem yapılmadı.
error-wallet-proof_reused =
    { $warning }
    Hiçbir işlem yapılmadı: karar vermek için talebi yeniden açın.
error-order-delivery_required = Bu sipariş için teslimat metni (kod veya hesap bilgileri) gerekiyor.
error-payment_method-in_use = { $count ->
    [one] Bu yöntem henüz silinemez: bekleyen bir bakiye yükleme ya da ödenmemiş bir sipariş hâlâ bunu kullanıyor. Önce onu sonuçlandırın ya da yenileri gelmesin diye yöntemi devre dışı bırakın.
   *[other] Bu yöntem henüz silinemez: bekleyen { $count } bakiye yükleme ya da ödenmemiş sipariş hâlâ bunu kullanıyor. Önce bunları sonuçlandırın ya da yenileri gelmesin diye yöntemi devre dışı bırakın.
}
error-payment_method-min_above_max = En düşük tutar en yüksek tutardan büyük.
error-catalog-category_not_empty = { $count ->
    [one] Bu kategoride hâlâ bir ürün var: önce onu taşıyın ya da silin.
   *[other] Bu kategoride hâlâ { $count } ürün var: önce bunları taşıyın ya da silin.
}
error-catalog-product_archived = Bu ürün arşivlendi ve değiştirilemez.
error-catalog-stock_too_large = Bu stok miktarı çok büyük.
error-catalog-stock_from_codes = Bu ürünün stoğu kod havuzudur: bunun yerine kod yükleyin.
error-catalog-not_a_codes_product = Bu ürün kodlarla teslim edilmiyor.
error-catalog-codes_in_pool = { $count ->
    [one] Havuzda hâlâ bir kod var: önce onu iptal edin.
   *[other] Havuzda hâlâ { $count } kod var: önce bunları iptal edin.
}
error-catalog-bad_code = { $line }. satırdaki kod geçersiz (çok uzun ya da yasak bir karakter içeriyor). Hiçbir şey eklenmedi.
error-catalog-no_codes = Bunda hiç kod bulunamadı.
error-catalog-bad_order_limit = Sipariş başına sınır 1 ile { $max } arasında bir tam sayı olmalıdır.
error-catalog-too_many_codes = { $count ->
    [one] Tek yüklemede bir kod var; en fazla { $max } olabilir.
   *[other] Tek yüklemede { $count } kod var; en fazla { $max } olabilir. Listeyi bölün.
}
error-catalog-duplicate_codes = { $count ->
    [one] Bu kodlardan biri bu ürün için daha önce yüklenmiş (havuzda, satılmış, ayrılmış ya da iptal edilmiş) ya da listede tekrarlanıyor. Bir kod yalnızca bir kez satılabilir, bu yüzden hiçbir şey eklenmedi: onu çıkarıp tekrar yükleyin.
   *[other] Bu kodlardan { $count } tanesi bu ürün için daha önce yüklenmiş (havuzda, satılmış, ayrılmış ya da iptal edilmiş) ya da listede tekrarlanıyor. Bir kod yalnızca bir kez satılabilir, bu yüzden hiçbir şey eklenmedi: bunları çıkarıp tekrar yükleyin.
}
error-catalog-pool_full = Havuz çok büyük olur.
error-catalog-bad_player_rule = Bu oyuncu ID kuralı geçerli değil (uzunluk 1–64, min ≤ max).
error-user-not_found = Bununla eşleşen kullanıcı yok. ID'yi veya @username bilgisini kontrol edin.
error-user-already_banned = Bu kullanıcı zaten engellenmiş.
error-user-not_banned = Bu kullanıcı engelli değil.
error-user-role_unchanged = Kullanıcı zaten bu role sahip.
error-user-last_super_admin = Bu son süper yönetici: önce başka birini yükseltin.
error-coupon-already_exists = Bu koda sahip bir kupon zaten var.
error-coupon-bad_percentage = Yüzde 0'dan büyük ve en fazla 100 olmalıdır.
error-coupon-bad_uses = Kullanım sayısı izin verilen aralığın dışında.
error-currency-already_exists = Bu para birimi zaten var.
error-currency-base_fixed = USD temel para birimidir: kuru her zaman 1'dir ve hep etkin kalır.
error-currency-bad_decimals = Ondalık basamak sayısı 0 ile 4 arasında olmalıdır.
error-currency-in_use = { $count ->
    [one] Bu para birimini etkin bir ödeme yöntemi kullanıyor: önce onu devre dışı bırakın.
   *[other] Bu para birimini { $count } etkin ödeme yöntemi kullanıyor: önce bunları devre dışı bırakın.
}
error-invalid-unchanged = Hiçbir şey değişmedi.
error-invalid-username = Bu geçerli bir @username değil.
error-invalid-user_id = Bu geçerli bir kullanıcı ID'si değil.
error-invalid-currency_code = Para birimi kodu EUR gibi üç harften oluşur.
error-invalid-unknown_name = Bu adı tanımıyorum.
order_fulfilment-manual = elle
order_fulfilment-codes = havuzdan bir kod
order_fulfilment-supplier = tedarikçi
notify-invoice_credited = ✅ #{ $id } numaralı faturanın ödemesi alındı: { $amount } bakiyenize eklendi.
notify-invoice_credited_late = 💰 #{ $id } numaralı fatura için ödemeniz, fatura artık kullanılamaz hâldeyken ulaştı; bu yüzden { $amount } bunun yerine bakiyenize eklendi.
notify-invoice_refunded = ↩️ #{ $id } numaralı fatura için yaptığınız ödeme ({ $amount }) size iade edildi.
ledger-invoice = fatura ödemesi
ledger-provider_refund = ödemenize iade
error-invoice-not_found = Böyle bir fatura yok.
error-invoice-not_payable = Bu fatura artık ödenemez. Hâlâ ödemek istiyorsanız yeni bir fatura açın.
error-invoice-mismatch = Bu ödeme faturayla eşleşmiyor.
error-invoice-too_many_open = Zaten ödenmemiş faturalarınız var. Önce birini ödeyin ya da iptal edin.
error-invoice-not_cancellable = Bu fatura iptal edilemez.
provider-stars = ⭐ Telegram Stars
provider-crypto_pay = 💎 Kripto (Crypto Pay)
topup-stars_amount_prompt = ⭐ Kaç USD eklemek istiyorsunuz? Ödemeyi USD başına { $rate } yıldız kuruyla Telegram Stars ile yaparsınız (en fazla { $max }).
topup-crypto_amount_prompt = 💎 Kaç USD eklemek istiyorsunuz? Ödemeyi Crypto Pay üzerinden kripto ile yaparsınız (en fazla { $max }).
invoice-title_topup = Bakiye yükleme, fatura #{ $id }
invoice-title_order = Sipariş #{ $id }
invoice-description_topup = Ödeme yapıldığında mağaza bakiyenize { $amount } eklenir.
invoice-description_order = { $product }, { $amount }.
invoice-price_label = Fatura #{ $id }
invoice-crypto_pay = 💎 Fatura #{ $id }: aşağıdaki düğmeyle { $amount } tutarını kripto ile ödeyin. Ödeme yapıldığında otomatik olarak yüklenir.
invoice-crypto_unavailable = Kripto ödemeler şu anda kullanılamıyor. Lütfen daha sonra tekrar deneyin ya da başka bir ödeme yolu seçin.
button-pay_crypto = 💎 Crypto Pay ile öde
order-paid_by_provider = { $provider } ile ödendi: { $amount }
alert-payments = ⚠️ Otomatik bir ödeme ilgi bekliyor: { $detail }
route-balance = Bakiye
route-method = Ödeme yöntemleri
route-stars = Telegram Stars
route-crypto_pay = Crypto Pay
invoice_status-open = Açık
invoice_status-paid = Ödendi
invoice_status-expired = Süresi doldu
invoice_status-cancelled = İptal edildi
invoice_status-refunding = İade ediliyor
invoice_status-refunded = İade edildi
topup-requested_usd = ✅ { $amount } tutarındaki #{ $id } numaralı bakiye yükleme talebiniz incelemeye gönderildi. Kontrol edildiğinde size mesaj gelecek.
group-private_only = 🛍 Mağaza benimle özel sohbette açılır; böylece siparişleriniz ve bakiyeniz size özel kalır. Başlamak için aşağıya dokunun.
button-open_private = 🛍 Mağazayı aç
settings-broadcasts_on = 📣 Mağaza duyuruları: açık
settings-broadcasts_muted = 🔕 Mağaza duyuruları: sessizde (siparişleriniz ve bakiyenizle ilgili mesajlar gelmeye devam eder)
button-mute_broadcasts = 🔕 Duyuruları sessize al
button-unmute_broadcasts = 📣 Duyuruları aç
button-open_menu = 🛍 Mağazayı aç
settings-muted_notice = Duyurular sessize alındı.
settings-unmuted_notice = Duyurular açık.
button-search = 🔎 Ara
button-search_again = 🔎 Yeniden ara
search-prompt = 🔎 Ne arıyorsunuz? Bir ürün adı ya da adın bir kısmını gönderin (herhangi bir dilde).
search-found = 🔎 “{ $query }” için sonuçlar:
search-nothing = 🔎 Satıştaki hiçbir ürün “{ $query }” ile eşleşmiyor. Daha az ya da daha kısa kelimeler deneyin.
inline-product = 🛍 { $name } — { $price }
button-open_product = 🛍 Mağazada aç
