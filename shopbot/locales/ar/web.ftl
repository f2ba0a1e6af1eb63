# لوحة الموظفين على الويب.

## لوحة الموظفين على الويب (/web و /panel)
web-link-message =
    🔐 رابط الدخول إلى لوحة الموظفين على الويب:
    { $link }

    يعمل مرة واحدة، لك وحدك، لمدة { $minutes ->
        [zero] أقل من دقيقة
        [one] دقيقة واحدة
        [two] دقيقتين
        [few] { $minutes } دقائق
        [many] { $minutes } دقيقة
       *[other] { $minutes } دقيقة
    }. لا تُعِد توجيهه.
web-link-not_configured = لوحة الويب غير مُعدّة لهذا البوت (الإعداد panel_url).
web-link-private_only = حفاظًا على أمانك، اطلب رابط الدخول في محادثة خاصة مع البوت.
web-brand = لوحة المتجر
web-sign_out = تسجيل الخروج
web-title-sign_in = تسجيل الدخول
web-title-error = حدث خطأ
web-title-dashboard = لوحة المعلومات
web-title-topups = طلبات الشحن للمراجعة
web-title-orders = الطلبات
web-title-users = المستخدمون
web-title-ops = العمليات
web-nav-dashboard = لوحة المعلومات
web-nav-topups = الشحن
web-nav-orders = الطلبات
web-nav-users = المستخدمون
web-nav-ops = العمليات
web-signed_out = أنت غير مسجّل الدخول. لتسجيل الدخول أرسل ‎/web‎ إلى البوت وافتح الرابط الذي يرسله.
web-session_expired = انتهت جلستك. أرسل ‎/web‎ إلى البوت للحصول على رابط دخول جديد.
web-not_staff = اللوحة مخصّصة لموظفي المتجر فقط.
web-banned = هذا الحساب محظور.
web-forged = تعذّر قبول هذا النموذج (لم يأتِ من صفحة هذه اللوحة). أعد تحميل الصفحة وحاول مرة أخرى.
web-unavailable = تعذّر على المتجر الرد الآن. حاول مرة أخرى بعد قليل.
web-too_many_attempts = محاولات دخول كثيرة من عنوانك. انتظر دقيقة ثم حاول مرة أخرى.
web-link_expired = انتهت صلاحية رابط الدخول هذا. أرسل ‎/web‎ إلى البوت للحصول على رابط جديد.
web-link_unknown = رابط الدخول هذا غير صالح أو سبق استخدامه. أرسل ‎/web‎ إلى البوت للحصول على رابط جديد.
web-sign_in-explain = اضغط الزر لتسجيل الدخول إلى لوحة موظفي المتجر. الرابط يعمل مرة واحدة.
web-sign_in-button = تسجيل الدخول
web-queue-topups = طلبات شحن بانتظار المراجعة
web-queue-orders = طلبات بانتظار الموظفين
web-stat-users = المستخدمون
web-stat-users_today = مستخدمون جدد اليوم
web-stat-active_7d = نشطون خلال 7 أيام
web-stat-orders = الطلبات
web-stat-orders_today = طلبات اليوم
web-stat-revenue = الإيرادات
web-stat-revenue_today = إيرادات اليوم
web-stat-revenue_month = إيرادات هذا الشهر
web-stat-average_order = متوسط الطلب
web-stat-topups = الشحنات المعتمدة
web-chart-revenue = الإيرادات خلال آخر 14 يومًا
web-best_sellers = الأكثر مبيعًا
web-none = لا شيء بعد.
web-col-product = المنتج
web-col-units = الوحدات
web-col-revenue = الإيرادات
web-col-user = المستخدم
web-col-amount = المبلغ
web-col-requested = تاريخ الطلب
web-col-proof = الإثبات
web-col-actions = الإجراءات
web-col-player = معرّف اللاعب
web-col-total = الإجمالي
web-col-status = الحالة
web-col-created = تاريخ الطلب
web-col-role = الدور
web-col-balance = الرصيد
web-col-joined = تاريخ الانضمام
web-proof-photo = صورة
web-done-topup_approved = تمت الموافقة على الشحن وإضافة الرصيد إلى المحفظة.
web-done-topup_rejected = تم رفض الشحن.
web-done-order = تم تحديث الطلب.
web-done-role = تم تغيير الدور.
web-done-sessions = تم إنهاء جلساته على الويب.
web-topups-empty = لا توجد طلبات شحن بانتظار المراجعة.
web-topups-approve = موافقة
web-topups-reject = رفض
web-topups-reason = السبب
web-order-confirm = تأكيد الدفع
web-order-cancel = إلغاء
web-order-complete = إكمال
web-order-fail = إفشال
web-orders-empty = لا توجد طلبات بهذه الحالة.
web-orders-text = نص التسليم أو السبب
web-filter = عرض
web-next = الصفحة التالية
web-users-search = معرّف المستخدم أو ‎@username‎
web-search = بحث
web-users-banned = محظور
web-users-new_role = الدور الجديد
web-users-end_sessions = إنهاء جلساته على الويب
web-save = حفظ
web-ops-store_state = حالة المتجر
web-ops-fulfilment = وضع التنفيذ
web-ops-verify = فحص السلامة
web-ops-verify_explain = يفحص كل قواعد المتجر (الأموال، المخزون، الطلبات، سلسلة سجل التدقيق). قد يستغرق وقتًا في متجر كبير.
web-ops-verify_run = تشغيل verify()‎
web-ops-healthy = سليم: كل القواعد متحققة.
web-ops-problems = { $count ->
    [zero] لم تُوجد مشكلات:
    [one] وُجدت مشكلة واحدة:
    [two] وُجدت مشكلتان:
    [few] وُجدت { $count } مشكلات:
    [many] وُجدت { $count } مشكلةً:
   *[other] وُجدت { $count } مشكلة:
}
web-ops-exports = التصدير (CSV)
web-ops-sessions = جلساتك
web-ops-end_my_sessions = تسجيل الخروج من كل الأجهزة
web-export-orders = الطلبات
web-export-ledger = دفتر الحسابات
web-export-audit = سجل التدقيق
web-export-users = المستخدمون
web-done-state = تم تغيير حالة المتجر.
web-done-fulfilment = تم تغيير وضع التنفيذ.
web-ops-change_state = مفتوح أو صيانة أو إيقاف طارئ
web-ops-reason = السبب (يظهر للمتسوقين)
web-ops-state_explain = الصيانة توقف الطلبات الجديدة؛ الإيقاف الطارئ يوقف كل تغيير في المتجر حتى يعيد فتحه من يملك صلاحية رفعه.
web-ops-backup = النسخ الاحتياطي
web-ops-backup_explain = ينزّل نسخة احتياطية متسقة ومتحققًا منها للمتجر كله، تُنشأ الآن (الملف نفسه للنسخ المجدولة). احفظها في مكان آمن: فيها مخزون الأكواد.
web-ops-backup_download = تنزيل نسخة احتياطية
web-ops-restore = الاستعادة
web-ops-restore_explain = الاستعادة تستبدل المتجر العامل، لذا تتم على الخادم والبوت متوقف: أنشئ مخزنًا جديدًا من النسخة (يتحقق من الملف ويشغّل verify()‎ على النتيجة)، ثم ضعه في مكانه.
web-ops-copy_explain = لنقل المتجر إلى PostgreSQL (أو العودة منه)، أوقف البوت وانسخه؛ يُتحقق من الطرفين.
web-ops-session_started = تاريخ الدخول
web-ops-session_seen = آخر استخدام
web-ops-this_session = هذه الجلسة
web-title-audit = سجل التدقيق
web-nav-audit = سجل التدقيق
web-audit-user = حسب معرّف المستخدم
web-audit-action = الإجراء
web-audit-any = الكل
web-audit-from = من
web-audit-to = إلى
web-audit-at = الوقت
web-audit-actor = المنفّذ
web-audit-target = على
web-audit-details = التفاصيل
web-audit-outcome = النتيجة
web-audit-done = تم
web-audit-denied = مرفوض
web-audit-failed = فشل
web-audit-verify = التحقق من السلسلة
web-audit-chain_ok = سلسلة التدقيق سليمة: تجزئة كل إدخال وارتباطه صحيحان.
web-audit-bad_user = معرّف المستخدم رقم موجب.
web-audit-bad_action = إجراء غير معروف.
web-audit-bad_date = التواريخ بالصيغة YYYY-MM-DD.
web-done-adjust = تم تعديل الرصيد.
web-done-ban = تم حظر المستخدم.
web-done-unban = تم رفع الحظر.
web-users-adjust = تعديل الرصيد
web-users-amount = المبلغ بالدولار (+ إضافة، − خصم)
web-users-adjust_button = تعديل
web-users-ban = حظر
web-users-unban = رفع الحظر
web-users-ledger = دفتر الحسابات
web-users-kind = النوع
web-title-catalog = الكتالوج
web-nav-catalog = الكتالوج
web-title-product = منتج
web-title-new_product = منتج جديد
web-title-confirm = هل أنت متأكد؟
web-not_permitted = دورك لا يشمل هذا.
web-confirm-yes = نعم، نفّذ
web-confirm-no = لا، رجوع
web-done-category = تم تحديث الفئات.
web-done-product = تم تحديث المنتج.
web-done-product_created = تم إنشاء المنتج.
web-done-product_deleted = تم حذف المنتج (أو أرشفته إن كانت له طلبات).
web-done-codes = تمت إضافة الأكواد.
web-catalog-categories = الفئات
web-catalog-products = المنتجات
web-catalog-name = الاسم
web-catalog-category = الفئة
web-catalog-price = السعر
web-catalog-kind = النوع
web-catalog-delivery = التسليم
web-catalog-stock = المخزون
web-catalog-per_order = الوحدات لكل طلب
web-catalog-sku = رمز المنتج لدى المورّد (للتسليم عبر المورّد فقط)
web-catalog-description = الوصف
web-catalog-player_field = حقل معرّف اللاعب (التسمية | القاعدة)، فارغ إن لم يوجد
web-catalog-sort_order = ترتيب العرض
web-catalog-on_sale = معروض للبيع
web-catalog-off_sale = غير معروض
web-catalog-archived = مؤرشف
web-catalog-inactive = غير نشطة
web-catalog-unlimited = غير محدود
web-catalog-codes_left = { $count ->
    [zero] لا أكواد في المخزون
    [one] كود واحد في المخزون
    [two] كودان في المخزون
    [few] { $count } أكواد في المخزون
    [many] { $count } كوداً في المخزون
   *[other] { $count } كود في المخزون
}
web-catalog-new_category = فئة جديدة
web-catalog-new_product = + منتج جديد
web-catalog-add = إضافة
web-catalog-delete = حذف
web-catalog-take_off_sale = إيقاف البيع
web-catalog-put_on_sale = عرض للبيع
web-catalog-confirm_delete = حذف «{ $name }» نهائيًا؟ ليست له طلبات.
web-catalog-confirm_archive = «{ $name }» له طلبات، لذا سيُؤرشف: يُوقف بيعه ويُخفى وتبقى طلباته.
web-catalog-codes = مخزون الأكواد
web-catalog-codes_file = ملف ‎.txt‎ (كود في كل سطر) أو ‎.csv‎ (الأكواد في العمود الأول)
web-catalog-codes_paste = …أو الصق الأكواد، كودًا في كل سطر
web-catalog-codes_add = إضافة الأكواد
web-catalog-codes_empty = لم يُعثر على أي كود فيما أُرسل.
web-catalog-codes_not_text = الملف ليس نصًا (UTF-8): احفظه بصيغة ‎.txt‎ أو ‎.csv‎.
web-catalog-codes_too_big = الملف كبير جدًا أو تالف (8 ميغابايت كحد أقصى).
web-catalog-bad_category = اختر فئة (أنشئ واحدة أولًا).
web-catalog-bad_kind = اختر النوع.
web-catalog-bad_delivery = اختر طريقة التسليم.
web-catalog-bad_stock = المخزون عدد صحيح، أو فارغ لغير المحدود.
web-catalog-bad_per_order = الوحدات لكل طلب عدد صحيح من 1 إلى { $max }، أو فارغ لوحدة واحدة.
web-catalog-bad_player_field = اكتب الحقل هكذا: «التسمية | digits 5-12» أو «التسمية | alnum 4-20» أو «التسمية | mask ###-####».
web-catalog-bad_sort_order = ترتيب العرض عدد صحيح.
web-done-revoked = تم إلغاء الأكواد المتبقية في المخزون.
web-catalog-revoke = إلغاء كل الأكواد المتبقية في المخزون
web-catalog-confirm_revoke = { $count ->
    [zero] لا أكواد باقية في مخزون «{ $name }».
    [one] سحب الكود الباقي في مخزون «{ $name }»؟ لن يمكن بيعه بعد ذلك.
    [two] سحب الكودين الباقيين في مخزون «{ $name }»؟ لن يمكن بيعهما بعد ذلك.
    [few] سحب الأكواد الـ{ $count } الباقية في مخزون «{ $name }»؟ لن يمكن بيعها بعد ذلك.
    [many] سحب الـ{ $count } كوداً الباقية في مخزون «{ $name }»؟ لن يمكن بيعها بعد ذلك.
   *[other] سحب الـ{ $count } كود الباقية في مخزون «{ $name }»؟ لن يمكن بيعها بعد ذلك.
}
web-title-payments = المدفوعات والأسعار
web-nav-payments = المدفوعات
web-done-saved = تم الحفظ.
web-methods-title = طرق الدفع
web-methods-currency = العملة
web-methods-limits = الحدود
web-methods-pending = شحنات قيد المراجعة
web-methods-deleted = محذوفة
web-methods-off = متوقفة
web-methods-enable = تشغيل
web-methods-disable = إيقاف
web-methods-instructions = التعليمات التي يراها المتسوقون
web-methods-min = أقل مبلغ
web-methods-max = أكبر مبلغ
web-currencies-title = العملات وأسعار الصرف
web-currencies-code = الرمز
web-currencies-symbol = العلامة
web-currencies-rate = الوحدات مقابل 1 دولار
web-currencies-decimals = المنازل العشرية
web-currencies-bad_decimals = المنازل العشرية عدد صحيح من 0 إلى 8.
web-coupons-title = القسائم
web-coupons-code = الرمز
web-coupons-discount = الخصم
web-coupons-discount_hint = الخصم: ‎20%‎ أو مبلغ ثابت مثل 5.00 دولار
web-coupons-uses = الاستخدام
web-coupons-scope = تنطبق على
web-coupons-everything = كل شيء
web-coupons-expires = تنتهي (نهاية اليوم، بتوقيت UTC)
web-coupons-max_uses = عدد الاستخدامات الكلي
web-coupons-per_user = الاستخدامات لكل متسوق
web-coupons-min_order = أقل قيمة طلب (دولار)، فارغ لعدم التقييد
web-coupons-bad_discount = اكتب الخصم هكذا ‎20%‎ أو مبلغًا مثل 5.00.
web-coupons-bad_count = عدد الاستخدامات عدد صحيح.
web-title-broadcasts = الرسائل الجماعية
web-nav-broadcasts = الرسائل الجماعية
web-done-broadcast = يجري إرسال الرسالة الجماعية.
web-done-broadcast_cancelled = تم إلغاء الرسالة الجماعية.
web-broadcasts-compose = رسالة إلى كل المتسوقين ({ $audience } شخصًا)
web-broadcasts-preview = معاينة
web-broadcasts-confirm = ستصل هذه الرسالة إلى { $audience } شخصًا. أترسلها؟
web-broadcasts-send = إرسال إلى الجميع
web-broadcasts-recent = الرسائل الأخيرة
web-broadcasts-text = الرسالة
web-broadcasts-delivery = التسليم
web-broadcasts-progress = أُرسلت { $sent } من { $audience } · { $blocked } حظروا البوت · { $failed } فشلت
web-broadcasts-running = قيد الإرسال
web-broadcasts-cancelled = أُلغيت
web-broadcasts-finished = انتهت
web-orders-any_status = أي حالة (مع مستخدم)
web-orders-product_id = معرّف المنتج
web-orders-bad_product = معرّف المنتج رقم موجب.
web-orders-filter_hint = بدون مستخدم تُعرض الطلبات حسب الحالة. قد تعرض الصفحة صفوفًا أقل حين تستبعد المرشحات بعضها: «الصفحة التالية» تكمل.
web-title-order = الطلب
web-order-price = السعر
web-order-discount = الخصم
web-order-local = بعملة المتسوق
web-order-payment = الدفع
web-order-paid_from_balance = من رصيد المحفظة
web-order-fulfilment = التنفيذ
web-order-updated = آخر تغيير
web-order-expires = مهلة الدفع حتى
web-order-delivery = التسليم
web-order-code_delivered = كود من المخزون (لا يُعرض هنا)
web-order-failure = السبب
web-users-banned_only = المحظورون فقط
web-ops-expire = الطلبات غير المدفوعة
web-ops-expire_explain = يلغي الآن كل طلب غير مدفوع تجاوز مهلة الدفع (والبوت يفعل ذلك كل بضع دقائق)، ويعيد المخزون واستخدامات القسائم.
web-ops-expire_run = إلغاء الطلبات المتأخرة الآن
web-done-expired = أُلغيت الطلبات غير المدفوعة المتأخرة: { $count }.
web-routes = حسب طريقة الدفع
web-col-route = الطريقة
web-col-completed = الطلبات المكتملة
web-col-credits = الإضافات
web-col-credited = المبلغ المضاف
web-nav-invoices = الفواتير
web-title-invoices = الفواتير
web-invoices-empty = لا فواتير هنا.
web-invoices-for = لأجل
web-invoices-topup = شحن رصيد
web-invoices-order = الطلب رقم { $id }
web-invoices-expires = تنتهي
web-invoices-payment = الدفع
web-invoices-late = { $id } (متأخر: أُضيف إلى الرصيد)
web-invoices-payment_id = معرّف الدفع لدى المزود
web-invoices-amount_paid = المبلغ المدفوع
web-invoices-settle = تسوية يدوية
web-invoices-refused = رُفض: { $reason }. لم يُضف شيء.
web-done-invoice_settled = تمت تسوية الدفع.
web-done-invoice_replayed = سبقت تسوية هذا الدفع؛ لم يتغير شيء.
