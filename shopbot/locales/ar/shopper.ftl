# ما يراه المتسوّقون: القوائم والكتالوج والشراء والطلبات والمحفظة والتنبيهات والأخطاء.

# اسم اللغة بلغتها، واتجاه كتابتها (ltr أو rtl).
language-name = العربية
language-direction = rtl
money-local_and_usd = { $local } ({ $usd })

## القائمة والمساعدة والإعدادات
menu-greeting =
    أهلاً { $name }! مرحباً بك في المتجر.
    ماذا تريد أن تفعل؟
notice-maintenance = 🛠 المتجر في وضع الصيانة: الطلبات الجديدة متوقفة مؤقتاً. محفظتك وطلباتك تعمل كالمعتاد.
notice-emergency = ⛔ المتجر متوقف مؤقتاً. الشراء والشحن والتعديلات متوقفة حتى يعيد الفريق فتحه؛ يمكنك الاطلاع على طلباتك ومحفظتك.
notice-reason = السبب: { $reason }
notice-stale_button = انتهت صلاحية هذا الزر. استخدم أحدث رسالة من فضلك.
notice-unavailable = لم يعد هذا متاحاً.
input-not_understood = لم أفهم ذلك.
help-text =
    ℹ️ طريقة الاستخدام
    • المتجر: اختر فئة ثم منتجاً واتبع الخطوات للشراء.
    • المحفظة: اشحن رصيدك واطّلع على السجل.
    • طلباتي: تابع طلباتك واستلم ما اشتريته وألغِ الطلب ما دام الإلغاء متاحاً.
    • الإعدادات: اللغة والعملة.

    الأوامر: /start و /menu و /cancel و /help
help-support = تحتاج مساعدة؟ تواصل مع الدعم: { $contact }
help-no_support = تحتاج مساعدة؟ اكتب هنا وسيرد عليك الفريق.
settings-text =
    ⚙️ الإعدادات
    اللغة: { $language }
    عرض الأسعار بعملة: { $currency }
settings-language_changed = تم تغيير اللغة.
settings-currency_changed = تم تغيير العملة.
currency-choose = اختر العملة التي تُعرض بها الأسعار (الدفع من رصيدك يكون دائماً بالدولار):

## الأزرار
button-shop = 🛍 المتجر
button-wallet = 👛 المحفظة
button-orders = 📦 طلباتي
button-settings = ⚙️ الإعدادات
button-help = ℹ️ المساعدة والدعم
button-menu = 🏠 القائمة الرئيسية
button-back = ➡️ رجوع
button-categories = ➡️ الفئات
button-previous = ▶️ السابق
button-next = التالي ◀️
button-older = الأقدم ◀️
button-buy = 🛒 شراء
button-cancel = ✖️ إلغاء
button-confirm = ✅ تأكيد
button-skip_coupon = بدون قسيمة
button-pay_balance = 👛 الرصيد ({ $balance })
button-topup = ➕ شحن الرصيد
button-history = 📜 السجل
button-referrals = 🎁 ادعُ أصدقاءك
button-currency = 💱 العملة
button-cancel_order = ✖️ إلغاء هذا الطلب
button-yes_cancel_order = نعم، ألغِه
button-order_details = 📦 تفاصيل الطلب

## الكتالوج
shop-empty = لا توجد منتجات في المتجر بعد. عد لاحقاً من فضلك.
shop-choose_category = اختر فئة:
category-title = 📂 { $name }
category-empty = لا شيء معروض للبيع هنا حالياً.
category-choose_product = اختر منتجاً:
product-title = 🏷 { $name }
product-price = السعر: { $price }
product-in_stock = ✅ متوفر
product-stock_left = ✅ متوفر (المتبقي { $count })
product-per_order = 🔢 حتى { $count } في الطلب الواحد
product-also_bought = 👥 من اشترى هذا اشترى أيضاً:
product-out_of_stock = ❌ نفد المخزون
product-needs_player_id = سيُطلب منك { $label } ({ $rule }).
rule-digits = أرقام فقط، طوله من { $min } إلى { $max }
rule-alphanumeric = حروف لاتينية وأرقام فقط، طوله من { $min } إلى { $max }
rule-mask = بالشكل { $mask } (# رقم، A حرف، * أيّهما)

## الشراء
buy-player_id_prompt =
    أرسل { $label }.
    يجب أن يكون: { $rule }.
buy-player_id_rejected =
    يبدو أن { $label } غير صحيح: يجب أن يكون { $rule }.
    أرسله مرة أخرى من فضلك.
buy-coupon_prompt = لديك قسيمة خصم؟ أرسل رمزها، أو اضغط «بدون قسيمة».
buy-coupon_rejected =
    ❌ { $reason }
    أرسل رمزاً آخر، أو اضغط «بدون قسيمة».
buy-coupon_applied = ✅ تم تطبيق القسيمة { $coupon }.
buy-payment_prompt = كيف تريد الدفع؟
buy-method_instructions =
    💳 { $method }
    أرسل { $amount }.

    { $instructions }

    ثم أرسل صورة الإيصال، أو رقم العملية نصاً.
buy-proof_expected = أرسل صورة الإيصال، أو رقم العملية نصاً من فضلك.
summary-title = 🧾 ملخص الطلب
summary-product = المنتج: { $name }
summary-player_id = { $label }: { $player_id }
summary-player_id_label = معرّف اللاعب
summary-price = السعر: { $price }
summary-quantity = الكمية: { $count } × { $price }
quantity-prompt = كم تريد من { $name }؟ اضغط على رقم أو أرسل رقماً من 1 إلى { $max }.
quantity-rejected = أرسل عدداً صحيحاً من 1 إلى { $max } من فضلك.
summary-discount = القسيمة { $coupon }: −{ $discount }
summary-total = الإجمالي: { $total }
summary-total_local = الإجمالي بعملتك: { $total }
summary-pay_balance = الدفع من رصيدك (رصيدك الآن { $balance }).
summary-pay_method = الدفع عبر { $method }: { $amount }، ويتحقق منه الفريق.
summary-confirm_hint = اضغط «تأكيد» لإتمام الطلب.
flow-cancelled = تم الإلغاء. لم يُخصم منك شيء.

## الطلبات
order-placed = ✅ تم تسجيل الطلب رقم { $id }.
order-title = 📦 الطلب رقم { $id }
order-product = المنتج: { $name }
order-status = الحالة: { $status }
order-player_id = معرّف اللاعب: { $player_id }
order-total = الإجمالي: { $total }
order-quantity = الكمية: { $count } × { $price }
order-item_units = { $count } × { $name }
order-total_local = بعملتك: { $total }
order-coupon = القسيمة { $coupon }: −{ $discount }
order-paid_by_method = الدفع بالتحويل: { $amount }
order-created = تاريخ الطلب: { $date }
order-delivery = 🎁 التسليم: { $delivery }
order-failure = السبب: { $reason }
order-awaiting_review = ⏳ يتحقق الفريق من دفعتك.
orders-title = 📦 طلباتك:
orders-empty = ليست لديك طلبات بعد.
order-cancel_confirm = هل تريد إلغاء الطلب رقم { $id }؟
order-cancel_confirm_refund = هل تريد إلغاء الطلب رقم { $id }؟ سيعود { $total } إلى رصيدك.
order-cancelled = تم إلغاء الطلب رقم { $id }.
order-cancelled_refunded = تم إلغاء الطلب رقم { $id }، وعاد { $total } إلى رصيدك.
order-not_cancellable = لم يعد من الممكن إلغاء هذا الطلب.
status-awaiting_payment = ⏳ بانتظار التحقق من الدفع
status-paid = 💰 مدفوع، قيد التجهيز
status-processing = ⚙️ قيد التنفيذ
status-completed = ✅ مكتمل
status-failed = ❌ فشل
status-cancelled = ✖️ ملغى

## المحفظة
wallet-balance = 👛 رصيدك: { $balance }
wallet-pending = ⏳ طلبات شحن بانتظار المراجعة: { $count }
referral-title = 🎁 ادعُ أصدقاءك
referral-link = شارك رابطك: { $link }
referral-reward_percent = عندما يُكمل صديق انضم عبره أول طلب له، تحصل على { $percent }% من قيمة ذلك الطلب في رصيدك.
referral-reward_fixed = عندما يُكمل صديق انضم عبره أول طلب له، تحصل على { $amount } في رصيدك.
referral-no_program = لا يدفع المتجر مكافآت إحالة حالياً؛ لكن الأصدقاء الذين ينضمون عبر رابطك يُحتسبون.
referral-stats = الأصدقاء المدعوون: { $referred } · المكافآت: { $rewarded } · المكسب: { $earned }
referral-welcome = 🎁 أهلاً بك! انضممت عبر دعوة من صديق.
topup-no_methods = لا توجد طرق شحن متاحة حالياً.
topup-choose_method = اختر طريقة إرسال المبلغ:
topup-amount_prompt =
    💳 { $method }
    { $instructions }

    كم ستُرسل بعملة { $currency }؟ (من { $min } إلى { $max })
topup-proof_prompt = أرسل { $amount }، ثم أرسل صورة الإيصال أو رقم العملية نصاً.
topup-requested = ✅ أُرسل طلب الشحن رقم { $id } بمبلغ { $amount } (≈ { $usd }) للمراجعة. ستصلك رسالة عند التحقق منه.
history-title = 📜 سجل المحفظة
history-empty = لا توجد حركات بعد.
history-entry = { $date } · { $kind } · { $amount } ← { $balance }
history-topups_title = آخر طلبات الشحن:
history-topup = رقم { $id } · { $amount } · { $status }
ledger-topup = شحن
ledger-purchase = شراء
ledger-refund = استرداد
ledger-adjustment = تسوية
ledger-payment = دفعة
topup_status-pending = ⏳ بانتظار المراجعة
topup_status-approved = ✅ مقبول
topup_status-rejected = ❌ مرفوض

## الإشعارات
notify-order_completed = ✅ اكتمل طلبك رقم { $id }!
notify-order_failed = ❌ فشل طلبك رقم { $id }: { $reason }
notify-order_cancelled = ✖️ أُلغي طلبك رقم { $id }.
notify-refunded = عاد { $total } إلى رصيدك.
notify-refunded_plain = عاد المبلغ إلى رصيدك.
notify-payment_confirmed = 💰 تم تأكيد دفع الطلب رقم { $id }، وهو قيد التجهيز.
notify-topup_approved = ✅ تمت الموافقة على طلب الشحن رقم { $id }: أُضيف { $amount } إلى رصيدك.
notify-topup_rejected = ❌ رُفض طلب الشحن رقم { $id }: { $reason }
notify-referral_rewarded = 🎁 أكمل صديق دعوته أول طلب له: أُضيف { $amount } إلى رصيدك.

## الأخطاء (رسالة لكل Error::kind قد يواجهه المتسوق)
error-internal = حدث خطأ من جهتنا. حاول مرة أخرى بعد قليل من فضلك.
error-generic = لم تنجح العملية. حاول مرة أخرى أو تواصل مع الدعم.
error-denied-banned = ⛔ حسابك محظور. إن كنت ترى أن هذا خطأ فتواصل مع الدعم.
error-denied-unknown_actor = أرسل /start أولاً من فضلك.
error-mode-emergency = ⛔ المتجر متوقف مؤقتاً؛ الشراء والشحن والتعديلات متوقفة. حاول لاحقاً من فضلك.
error-mode-maintenance = 🛠 المتجر في وضع الصيانة: الطلبات الجديدة متوقفة مؤقتاً. محفظتك وطلباتك تعمل كالمعتاد.
error-wallet-insufficient_balance = رصيدك ({ $balance }) لا يكفي: السعر { $needed }. اشحن محفظتك أو اختر طريقة دفع أخرى.
error-wallet-balance_limit = سيتجاوز رصيدك الحد الأقصى المسموح.
error-wallet-too_many_pending = لديك { $max } طلبات شحن بانتظار المراجعة. انتظر حتى يتم التحقق منها من فضلك.
error-wallet-rounds_to_zero = المبلغ أصغر من أن يُضاف إلى الرصيد.
error-wallet-topup_not_found = طلب الشحن هذا غير موجود.
error-order-not_found = هذا الطلب غير موجود.
error-order-product_inactive = هذا المنتج غير معروض للبيع حالياً.
error-order-product_archived = لم يعد هذا المنتج يُباع.
error-order-out_of_stock = عذراً، نفد مخزون هذا المنتج.
error-order-not_enough_stock = المتبقي { $available } فقط، وقد طلبت { $wanted }. اختر كمية أقل من فضلك.
error-order-bad_quantity = يمكنك شراء من 1 إلى { $max } من هذا المنتج في الطلب الواحد.
error-order-open_order_exists = لديك طلب مفتوح (رقم { $id }). انتظر اكتماله أو ألغِه من «طلباتي» أولاً.
error-order-payment_out_of_range = هذه الطريقة تقبل من { $min } إلى { $max }، وقيمة هذا الطلب { $amount }. اختر طريقة دفع أخرى من فضلك.
error-order-player_id_required = هذا المنتج يحتاج { $label }.
error-order-bad_player_id = معرّف اللاعب لا يطابق ما يحتاجه هذا المنتج.
error-order-bad_transition = لم يعد من الممكن تعديل هذا الطلب.
error-order-with_supplier = هذا الطلب عند المورّد ونتيجته غير معروفة بعد. ستُحسم تلقائياً، ولا يمكن تغييره حتى ذلك الحين.
error-order-proof_required = أرسل إثبات الدفع أولاً من فضلك.
error-catalog-product_not_found = لم يعد هذا المنتج موجوداً.
error-catalog-category_not_found = لم تعد هذه الفئة موجودة.
error-payment_method-not_found = طريقة الدفع هذه غير موجودة.
error-payment_method-deleted = لم تعد طريقة الدفع هذه متاحة.
error-payment_method-inactive = طريقة الدفع هذه غير متاحة حالياً.
error-currency-unknown = هذه العملة غير متاحة.
error-currency-disabled = هذه العملة غير متاحة حالياً.
error-coupon-not_found = لا توجد قسيمة بهذا الرمز.
error-coupon-inactive = هذه القسيمة موقوفة.
error-coupon-expired = انتهت صلاحية هذه القسيمة.
error-coupon-used_up = نفدت استخدامات هذه القسيمة.
error-coupon-already_used_by_you = لقد استخدمت هذه القسيمة من قبل.
error-coupon-below_minimum = تتطلب هذه القسيمة طلباً بقيمة { $min } على الأقل.
error-coupon-not_applicable = لا تنطبق هذه القسيمة على هذا المنتج.
error-invalid-coupon_code = رمز القسيمة من 3 إلى 32 حرفاً أو رقماً أو - أو _.
error-invalid-empty_text = أرسل نصاً من فضلك.
error-invalid-text_too_long = النص طويل جداً.
error-invalid-forbidden_character = يحتوي النص على رموز غير مسموحة.
error-invalid-request_key_reused = عولج هذا الطلب بشكل مختلف من قبل. ابدأ من جديد من فضلك.
error-amount-not_a_number = أرسل رقماً فقط، مثل 25 أو 12.50.
error-amount-not_positive = يجب أن يكون المبلغ أكبر من صفر.
error-amount-too_many_decimals = استخدم { $decimals } منازل عشرية على الأكثر.
error-amount-too_large = أقصى مبلغ بهذه الطريقة هو { $max }.
error-amount-too_small = أقل مبلغ بهذه الطريقة هو { $min }.

## التشغيل (تحديد المعدل، تنبيهات الطاقم، النسخ الاحتياطية، الرسائل الجماعية)
ratelimit-notice = أنت ترسل الرسائل بسرعة كبيرة. انتظر بضع ثوانٍ وسأجيبك بعدها.
alert-storage = ⚠️ خطأ في التخزين في البوت: { $detail }
alert-verify =
    🚨 فشل فحص السلامة عند التشغيل؛ المتجر في وضع الطوارئ.
    { $detail }
alert-backup = ⚠️ فشل نسخ احتياطي: { $detail }
alert-handler = ⚠️ فشل البوت في معالجة تحديث: { $detail }
alert-retention = ⚠️ فشل حذف السجلات القديمة: { $detail }
alert-staff_chat = ⚠️ تعذّر تسليم إشعار إلى محادثة الموظفين (تأكد أن البوت ما زال فيها): { $detail }
alert-suppressed = { $count ->
    [zero] (لم يُحجب أي تنبيه مشابه منذ آخر تنبيه.)
    [one] (حُجب تنبيه مشابه واحد منذ آخر تنبيه.)
    [two] (حُجب تنبيهان مشابهان منذ آخر تنبيه.)
    [few] (حُجبت { $count } تنبيهات مشابهة منذ آخر تنبيه.)
    [many] (حُجب { $count } تنبيهاً مشابهاً منذ آخر تنبيه.)
   *[other] (حُجب { $count } تنبيه مشابه منذ آخر تنبيه.)
}
backup-done = 💾 تمت كتابة النسخة الاحتياطية: { $file } ({ $bytes } بايت).
backup-failed = ⚠️ فشل النسخ الاحتياطي؛ التفاصيل في السجل.
broadcast-ask_text = أرسل نص الرسالة الجماعية الآن (أو /cancel).
broadcast-preview =
    📣 معاينة الرسالة الجماعية:

    { $text }
broadcast-confirm = ستصل إلى { $audience } مستخدم. هل ترسلها؟
broadcast-button_send = ✅ إرسال
broadcast-button_discard = ✖️ تجاهل
broadcast-button_cancel = ⏹ إيقاف الإرسال
broadcast-discarded = تم تجاهل الرسالة الجماعية.
broadcast-cancelling = جارٍ إيقاف الرسالة الجماعية…
broadcast-progress =
    📣 الرسالة الجماعية رقم { $id }: تمت معالجة { $done } من { $audience }
    ✅ أُرسلت { $sent } · 🚫 محظور { $blocked } · ⚠️ فشلت { $failed }
broadcast-finished =
    📣 اكتملت الرسالة الجماعية رقم { $id }: تمت معالجة { $done } من { $audience }
    ✅ أُرسلت { $sent } · 🚫 محظور { $blocked } · ⚠️ فشلت { $failed }
broadcast-cancelled =
    📣 توقفت الرسالة الجماعية رقم { $id }: تمت معالجة { $done } من { $audience }
    ✅ أُرسلت { $sent } · 🚫 محظور { $blocked } · ⚠️ فشلت { $failed }
role-user = متسوق
role-support = دعم
role-operator = مشغّل
role-super_admin = مدير عام
kind-game_top_up = شحن ألعاب
kind-gift_card = بطاقة هدايا
kind-subscription = اشتراك
kind-other = أخرى
delivery-manual = يدوياً
delivery-codes = من مخزون الأكواد
delivery-supplier = عبر المورّد
delivery-supplier_sku = عبر المورّد (الرمز { $sku })
store_state-open = مفتوح
store_state-maintenance = صيانة
store_state-emergency = إيقاف طارئ
fulfilment-manual = يدوي
fulfilment-auto = تلقائي
error-denied-missing_permission = ⛔ دورك لا يسمح بهذا ({ $permission }). تم تسجيل المحاولة.
error-denied-cannot_manage = ⛔ يمكنك التصرف فقط مع من هم دون رتبتك.
error-denied-cannot_grant = ⛔ لا يمكنك منح هذا الدور.
error-denied-self_action = ⛔ لا يمكنك فعل ذلك بنفسك.
error-wallet-already_decided = سبق البتّ في عملية الشحن هذه: { $status }. لم يُنفَّذ شيء آخر.
error-wallet-proof_reused =
    { $warning }
    لم يُنفَّذ شيء: افتح الطلب مجدداً لتقرر.
error-order-delivery_required = يحتاج هذا الطلب نص التسليم (الكود أو بيانات الحساب).
error-payment_method-in_use = { $count ->
    [zero] لا يمكن حذف هذه الطريقة بعد.
    [one] لا يمكن حذف هذه الطريقة بعد: ما زالت عملية شحن معلّقة أو طلب غير مدفوع يستخدمها. ابتّ فيه أولاً، أو أوقف الطريقة حتى لا تصل طلبات جديدة.
    [two] لا يمكن حذف هذه الطريقة بعد: ما زالت عمليتان معلّقتان تستخدمانها. ابتّ فيهما أولاً، أو أوقف الطريقة حتى لا تصل طلبات جديدة.
    [few] لا يمكن حذف هذه الطريقة بعد: ما زالت { $count } عمليات شحن معلّقة أو طلبات غير مدفوعة تستخدمها. ابتّ فيها أولاً، أو أوقف الطريقة حتى لا تصل طلبات جديدة.
    [many] لا يمكن حذف هذه الطريقة بعد: ما زالت { $count } عمليةً معلّقة تستخدمها. ابتّ فيها أولاً، أو أوقف الطريقة حتى لا تصل طلبات جديدة.
   *[other] لا يمكن حذف هذه الطريقة بعد: ما زالت { $count } عملية معلّقة تستخدمها. ابتّ فيها أولاً، أو أوقف الطريقة حتى لا تصل طلبات جديدة.
}
error-payment_method-min_above_max = الحد الأدنى أعلى من الحد الأقصى.
error-catalog-category_not_empty = { $count ->
    [zero] هذا القسم فارغ.
    [one] ما زال في هذا القسم منتج واحد: انقله أو احذفه أولاً.
    [two] ما زال في هذا القسم منتجان: انقلهما أو احذفهما أولاً.
    [few] ما زال في هذا القسم { $count } منتجات: انقلها أو احذفها أولاً.
    [many] ما زال في هذا القسم { $count } منتجاً: انقلها أو احذفها أولاً.
   *[other] ما زال في هذا القسم { $count } منتج: انقلها أو احذفها أولاً.
}
error-catalog-product_archived = هذا المنتج مؤرشف ولا يمكن تعديله.
error-catalog-stock_too_large = هذا المخزون كبير جداً.
error-catalog-stock_from_codes = مخزون هذا المنتج هو أكواده: ارفع أكواداً بدلاً من ذلك.
error-catalog-not_a_codes_product = هذا المنتج لا يُسلَّم من الأكواد.
error-catalog-codes_in_pool = { $count ->
    [zero] المخزون فارغ.
    [one] ما زال في المخزون كود واحد: اسحبه أولاً.
    [two] ما زال في المخزون كودان: اسحبهما أولاً.
    [few] ما زال في المخزون { $count } أكواد: اسحبها أولاً.
    [many] ما زال في المخزون { $count } كوداً: اسحبها أولاً.
   *[other] ما زال في المخزون { $count } كود: اسحبها أولاً.
}
error-catalog-bad_code = الكود في السطر { $line } غير صالح (طويل جداً أو فيه حرف ممنوع). لم يُضف شيء.
error-catalog-no_codes = لم أجد أكواداً في ذلك.
error-catalog-bad_order_limit = يجب أن يكون الحد لكل طلب عدداً صحيحاً من 1 إلى { $max }.
error-catalog-too_many_codes = { $count ->
    [zero] لا أكواد في هذه الرفعة؛ الحد الأقصى { $max }.
    [one] كود واحد في رفعة واحدة؛ الحد الأقصى { $max }.
    [two] كودان في رفعة واحدة؛ الحد الأقصى { $max }.
    [few] { $count } أكواد في رفعة واحدة؛ الحد الأقصى { $max }. قسّم القائمة.
    [many] { $count } كوداً في رفعة واحدة؛ الحد الأقصى { $max }. قسّم القائمة.
   *[other] { $count } كود في رفعة واحدة؛ الحد الأقصى { $max }. قسّم القائمة.
}
error-catalog-duplicate_codes = { $count ->
    [zero] لا يوجد كود مكرر.
    [one] كود واحد من هذه الأكواد رُفع لهذا المنتج من قبل (في المخزون أو مباع أو محجوز أو مسحوب) أو مكرر في القائمة. الكود يُباع مرة واحدة فقط، لذلك لم يُضف شيء: احذفه وارفع القائمة من جديد.
    [two] كودان من هذه الأكواد رُفعا لهذا المنتج من قبل (في المخزون أو مباعان أو محجوزان أو مسحوبان) أو مكرران في القائمة. الكود يُباع مرة واحدة فقط، لذلك لم يُضف شيء: احذفهما وارفع القائمة من جديد.
    [few] { $count } أكواد من هذه الأكواد رُفعت لهذا المنتج من قبل (في المخزون أو مباعة أو محجوزة أو مسحوبة) أو مكررة في القائمة. الكود يُباع مرة واحدة فقط، لذلك لم يُضف شيء: احذفها وارفع القائمة من جديد.
    [many] { $count } كوداً من هذه الأكواد رُفعت لهذا المنتج من قبل (في المخزون أو مباعة أو محجوزة أو مسحوبة) أو مكررة في القائمة. الكود يُباع مرة واحدة فقط، لذلك لم يُضف شيء: احذفها وارفع القائمة من جديد.
   *[other] { $count } كود من هذه الأكواد رُفع لهذا المنتج من قبل (في المخزون أو مباع أو محجوز أو مسحوب) أو مكرر في القائمة. الكود يُباع مرة واحدة فقط، لذلك لم يُضف شيء: احذفها وارفع القائمة من جديد.
}
error-catalog-pool_full = سيصبح المخزون أكبر من المسموح.
error-catalog-bad_player_rule = قاعدة معرّف اللاعب غير صالحة (الطول من 1 إلى 64، والأدنى ≤ الأقصى).
error-user-not_found = لا يوجد مستخدم مطابق. تحقق من المعرّف أو @username.
error-user-already_banned = هذا المستخدم محظور بالفعل.
error-user-not_banned = هذا المستخدم غير محظور.
error-user-role_unchanged = لدى المستخدم هذا الدور بالفعل.
error-user-last_super_admin = هذا آخر مدير عام: رقِّ شخصاً آخر أولاً.
error-coupon-already_exists = توجد قسيمة بهذا الرمز بالفعل.
error-coupon-bad_percentage = يجب أن تكون النسبة أكبر من 0 وحتى 100.
error-coupon-bad_uses = عدد الاستخدامات خارج النطاق.
error-currency-already_exists = هذه العملة موجودة بالفعل.
error-currency-base_fixed = الدولار هو العملة الأساسية: سعره دائماً 1 ويبقى مفعّلاً.
error-currency-bad_decimals = المنازل العشرية من 0 إلى 4.
error-currency-in_use = { $count ->
    [zero] لا توجد طريقة دفع مفعّلة تستخدم هذه العملة.
    [one] طريقة دفع مفعّلة واحدة تستخدم هذه العملة: أوقفها أولاً.
    [two] طريقتا دفع مفعّلتان تستخدمان هذه العملة: أوقفهما أولاً.
    [few] { $count } طرق دفع مفعّلة تستخدم هذه العملة: أوقفها أولاً.
    [many] { $count } طريقةً مفعّلة تستخدم هذه العملة: أوقفها أولاً.
   *[other] { $count } طريقة دفع مفعّلة تستخدم هذه العملة: أوقفها أولاً.
}
error-invalid-unchanged = لم يتغير شيء.
error-invalid-username = هذا ليس @username صالحاً.
error-invalid-user_id = هذا ليس معرّف مستخدم صالحاً.
error-invalid-currency_code = رمز العملة ثلاثة أحرف، مثل EUR.
error-invalid-unknown_name = لا أعرف هذا الاسم.
order_fulfilment-manual = يدوياً
order_fulfilment-codes = كود من المخزون
order_fulfilment-supplier = المورّد
notify-invoice_credited = ✅ وصل الدفع للفاتورة رقم { $id }: أُضيف { $amount } إلى رصيدك.
notify-invoice_credited_late = 💰 وصل دفعك للفاتورة رقم { $id } بعد أن أصبحت غير صالحة، فأُضيف { $amount } إلى رصيدك بدلاً من ذلك.
notify-invoice_refunded = ↩️ أُعيد إليك دفعك للفاتورة رقم { $id } ({ $amount }).
ledger-invoice = دفع فاتورة
ledger-provider_refund = استرداد إلى وسيلة الدفع
error-invoice-not_found = هذه الفاتورة غير موجودة.
error-invoice-not_payable = لم يعد من الممكن دفع هذه الفاتورة. افتح فاتورة جديدة إن كنت ما زلت تريد الدفع.
error-invoice-mismatch = هذا الدفع لا يطابق الفاتورة.
error-invoice-too_many_open = لديك فواتير غير مدفوعة بالفعل. ادفع إحداها أو ألغها أولاً.
error-invoice-not_cancellable = لا يمكن إلغاء هذه الفاتورة.
provider-stars = ⭐ نجوم تيليجرام
provider-crypto_pay = 💎 عملات رقمية (Crypto Pay)
topup-stars_amount_prompt = ⭐ كم دولاراً تريد أن تضيف؟ تدفع بنجوم تيليجرام بسعر { $rate } نجمة لكل دولار (حتى { $max }).
topup-crypto_amount_prompt = 💎 كم دولاراً تريد أن تضيف؟ تدفع بالعملات الرقمية عبر Crypto Pay (حتى { $max }).
invoice-title_topup = شحن، فاتورة رقم { $id }
invoice-title_order = الطلب رقم { $id }
invoice-description_topup = يُضاف { $amount } إلى رصيدك في المتجر عند الدفع.
invoice-description_order = { $product }، { $amount }.
invoice-price_label = الفاتورة رقم { $id }
invoice-crypto_pay = 💎 الفاتورة رقم { $id }: ادفع { $amount } بالعملات الرقمية عبر الزر أدناه. يُحتسب الدفع تلقائياً.
invoice-crypto_unavailable = الدفع بالعملات الرقمية غير متاح الآن. حاول لاحقاً أو اختر طريقة دفع أخرى.
button-pay_crypto = 💎 ادفع عبر Crypto Pay
order-paid_by_provider = الدفع عبر { $provider }: { $amount }
alert-payments = ⚠️ دفعة تلقائية تحتاج إلى متابعة: { $detail }
route-balance = الرصيد
route-method = وسائل الدفع
route-stars = نجوم تيليجرام
route-crypto_pay = Crypto Pay
invoice_status-open = مفتوحة
invoice_status-paid = مدفوعة
invoice_status-expired = منتهية
invoice_status-cancelled = ملغاة
invoice_status-refunding = قيد الاسترداد
invoice_status-refunded = مستردة
topup-requested_usd = ✅ أُرسل طلب الشحن رقم { $id } بقيمة { $amount } للمراجعة. ستصلك رسالة عند فحصه.
group-private_only = 🛍 يفتح المتجر في محادثة خاصة معي، لتبقى طلباتك ورصيدك خاصة بك. اضغط أدناه للبدء.
button-open_private = 🛍 افتح المتجر
settings-broadcasts_on = 📣 إعلانات المتجر: مفعّلة
settings-broadcasts_muted = 🔕 إعلانات المتجر: مكتومة (تصلك رسائل طلباتك ورصيدك كالمعتاد)
button-mute_broadcasts = 🔕 كتم الإعلانات
button-unmute_broadcasts = 📣 تفعيل الإعلانات
button-open_menu = 🛍 افتح المتجر
settings-muted_notice = كُتمت الإعلانات.
settings-unmuted_notice = الإعلانات مفعّلة.
button-search = 🔎 بحث
button-search_again = 🔎 بحث جديد
search-prompt = 🔎 عمّ تبحث؟ أرسل اسم المنتج أو جزءاً منه (بأي لغة).
search-found = 🔎 نتائج «{ $query }»:
search-nothing = 🔎 لا يوجد منتج معروض يطابق «{ $query }». جرّب كلمات أقل أو أقصر.
inline-product = 🛍 { $name } — { $price }
button-open_product = 🛍 افتحه في المتجر
