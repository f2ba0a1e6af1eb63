# لوحة الموظفين داخل البوت.

staff-not_allowed = دورك لا يسمح بهذا الأمر.

## لوحة الموظفين (issue 9)
staff-panel-title = 🛠 لوحة الموظفين · دورك: { $role }
staff-panel-state = حالة المتجر: { $state }
staff-panel-topups_waiting = ⏳ عمليات شحن بانتظار المراجعة: { $count }
staff-panel-orders_waiting = 📦 طلبات بانتظار موظف: { $count }
staff-not_permitted = دورك لا يشمل هذا.
staff-cancelled = تم الإلغاء.
staff-saved = ✅ تم الحفظ.
staff-photo-prompt = أرسل الصورة التي سيراها المتسوقون على { $name } (كصورة لا كملف)، أو /cancel.
staff-photo-expected = هذه ليست صورة: أرسل صورة (كصورة لا كملف)، أو /cancel.
staff-photo-saved = 🖼 حُفظت الصورة: يراها المتسوقون على بطاقة المنتج.
staff-photo-removed = 🗑 حُذفت الصورة.
staff-current = الحالي: { $value }
staff-yes = نعم
staff-no = لا
staff-text_expected = يرجى الرد بنص (أو /cancel).
staff-stock_unlimited = غير محدود
staff-button-panel = 🛠 لوحة الموظفين
staff-button-skip = تخطٍّ
staff-button-topups = 💳 الشحن
staff-button-orders = 📦 الطلبات
staff-button-products = 🏷 المنتجات
staff-button-categories = 📂 الأقسام
staff-button-methods = 🏦 طرق الدفع
staff-button-users = 👤 المستخدمون
staff-button-coupons = 🎟 القسائم
staff-button-stats = 📊 الإحصاءات
staff-button-audit = 📜 سجل التدقيق
staff-button-settings = ⚙️ الإعدادات
staff-button-new_product = ➕ منتج جديد
staff-button-new_category = ➕ قسم جديد
staff-button-new_method = ➕ طريقة جديدة
staff-button-new_coupon = ➕ قسيمة جديدة
staff-button-activate = ▶️ تفعيل
staff-button-deactivate = ⏸ إيقاف
staff-button-delete = 🗑 حذف
staff-button-yes_delete = نعم، احذف
staff-button-upload_codes = ⬆️ رفع أكواد
staff-button-revoke_codes = 🧹 سحب كل الأكواد
staff-button-photo = 🖼 الصورة
staff-button-remove_photo = 🗑 حذف الصورة
staff-button-yes_revoke = نعم، اسحبها
staff-button-unlimited = ∞ غير محدود
staff-button-show_all = عرض الكل (مع المحذوف)
staff-button-active_only = المفعّلة فقط
staff-button-approve = ✅ قبول
staff-button-approve_anyway = ⚠️ قبول رغم ذلك
staff-button-reject = ❌ رفض
staff-button-user = 👤 المستخدم
staff-button-review = 🔎 مراجعة
staff-button-open_order = 📦 فتح الطلب
staff-button-manual_queue = ⏳ بانتظار الموظفين
staff-button-awaiting = 💳 بانتظار الدفع
staff-button-search = 🔎 بحث
staff-button-complete = ✅ إتمام
staff-button-deliver_code = 🔑 تسليم الكود المحجوز
staff-button-fail = ❌ إفشال واسترداد
staff-button-confirm_payment = 💰 تأكيد الدفع
staff-button-confirm_anyway = ⚠️ تأكيد رغم ذلك
staff-button-ban = ⛔ حظر
staff-button-unban = ✅ رفع الحظر
staff-button-adjust = ± تعديل الرصيد
staff-button-role = 🎖 تغيير الدور
staff-button-find_user = 🔎 البحث عن مستخدم آخر
staff-button-disable_coupon = ⏸ تعطيل { $code }
staff-button-enable_coupon = ▶️ تفعيل { $code }
staff-button-filter = 🔎 تصفية
staff-button-fulfilment = التنفيذ: { $mode }
staff-button-store_state = تعيين: { $state }
staff-button-yes_emergency = ⛔ نعم، أوقف المتجر
staff-button-currencies = 💱 العملات
staff-button-support = ☎️ جهة الدعم
staff-button-time_zone = 🕒 المنطقة الزمنية
staff-button-clear_support = إزالة جهة الدعم
staff-button-rate = سعر { $code }
staff-button-disable_currency = تعطيل { $code }
staff-button-enable_currency = تفعيل { $code }
staff-button-add_currency = ➕ إضافة عملة
staff-field-name = ✏️ الاسم
staff-field-description = ✏️ الوصف
staff-field-price = ✏️ السعر
staff-field-kind = ✏️ النوع
staff-field-category = ✏️ القسم
staff-field-delivery = ✏️ التسليم
staff-field-stock = ✏️ المخزون
staff-field-per_order = 🔢 لكل طلب
staff-field-player_rule = ✏️ حقل اللاعب
staff-field-sku = ✏️ رمز المورّد
staff-ask-name = أرسل الاسم الجديد.
staff-ask-description = أرسل الوصف (أو - لعدم وجود وصف).
staff-ask-price = أرسل السعر بالدولار، مثل 9.99.
staff-ask-kind = اختر النوع:
staff-ask-category = اختر القسم:
staff-ask-delivery = اختر طريقة التسليم:
staff-ask-stock = أرسل المخزون (رقماً)، أو "unlimited".
staff-ask-per_order = أرسل عدد الوحدات التي يمكن شراؤها في الطلب الواحد (من 1 إلى { $max }).
staff-ask-player_rule = أرسل حقل اللاعب بصيغة الاسم | القاعدة، حيث القاعدة "digits 5-12" أو "alnum 4-20" أو "mask ###-####". أرسل - لإزالته.
staff-ask-sku = أرسل رمز المنتج لدى المورّد.
staff-ask-category_name = أرسل اسم القسم.
staff-bad-stock = هذا ليس مخزوناً صالحاً: أرسل عدداً صحيحاً، أو "unlimited".
staff-bad-per_order = هذا ليس رقماً: أرسل عدداً صحيحاً من 1 إلى { $max }.
staff-bad-player_rule = لم أفهم هذه القاعدة. مثال: Player ID | digits 5-12
staff-new_product-name = ➕ منتج جديد. أرسل اسمه.
staff-products-title = 🏷 المنتجات (✅ معروض · ⏸ موقوف · ⚠️ نفد · 🗄 مؤرشف)
staff-products-empty = لا توجد منتجات بعد.
staff-product-title = 🏷 المنتج رقم { $id }: { $name }
staff-product-category = القسم: { $category }
staff-product-price = السعر: { $price }
staff-product-kind = النوع: { $kind }
staff-product-delivery = التسليم: { $delivery }
staff-product-stock = المخزون: { $stock }
staff-product-codes = الأكواد في المخزون: { $count }
staff-product-player_field = يطلب: { $label } ({ $rule })
staff-product-no_player_field = لا يطلب معرّف لاعب.
staff-product-active = مفعّل: { $active }
staff-product-photo = الصورة: { $photo }
staff-product-per_order = الوحدات لكل طلب: { $count }
staff-product-orders = الطلبات حتى الآن: { $count }
staff-product-archived = 🗄 مؤرشف: محفوظ لسجل الطلبات ولا يمكن تعديله.
staff-product-created = ✅ تم إنشاء المنتج رقم { $id }.
staff-product-delete_confirm = حذف المنتج رقم { $id } ({ $name })؟ لا يمكن التراجع عن ذلك.
staff-product-delete_confirm_archive = للمنتج رقم { $id } ({ $name }) طلبات: الحذف سيؤرشفه (يُخفى ويبقى السجل). متابعة؟
staff-product-deleted = 🗑 تم حذف المنتج رقم { $id }.
staff-product-archived_done = 🗄 تمت أرشفة المنتج رقم { $id }.
staff-codes-prompt = أرسل أكواد { $name }، كوداً في كل سطر، نصاً أو ملف ‎.txt. تُحفظ ولا تُعرض مرة أخرى. الموجود الآن: { $count }.
staff-codes-expected = أرسل الأكواد نصاً (كوداً في كل سطر) أو ملف ‎.txt.
staff-codes-added = ✅ أُضيفت أكواد: { $added }. الموجود الآن: { $available }.
staff-codes-revoke_confirm = { $count ->
    [zero] لا أكواد في مخزون { $name }. المتابعة؟
    [one] سحب الكود الوحيد من مخزون { $name }؟
    [two] سحب الكودين من مخزون { $name }؟
    [few] سحب الأكواد الـ{ $count } كلها من مخزون { $name }؟
    [many] سحب الـ{ $count } كوداً كلها من مخزون { $name }؟
   *[other] سحب الـ{ $count } كود كلها من مخزون { $name }؟
}
staff-codes-revoked = { $count ->
    [zero] 🧹 لم يُسحب أي كود.
    [one] 🧹 تم سحب كود واحد.
    [two] 🧹 تم سحب كودين.
    [few] 🧹 تم سحب { $count } أكواد.
    [many] 🧹 تم سحب { $count } كوداً.
   *[other] 🧹 تم سحب { $count } كود.
}
staff-categories-title = 📂 الأقسام (عدد المنتجات في كل قسم)
staff-categories-none_yet = لا توجد أقسام بعد: أنشئ قسماً أولاً.
staff-category-title = 📂 القسم رقم { $id }: { $name }
staff-category-products = المنتجات: { $count }
staff-category-delete_confirm = حذف القسم { $name }؟
staff-category-deleted = 🗑 تم حذف القسم.
staff-methods-title_active = 🏦 طرق الدفع المفعّلة
staff-methods-title_all = 🏦 كل طرق الدفع (🗑 محذوفة · ⏸ موقوفة)
staff-methods-empty = لا شيء.
staff-method-title = 🏦 الطريقة رقم { $id }: { $name }
staff-method-limits = الحدود: { $limits }
staff-method-pending = مستخدمة في عمليات شحن معلّقة وطلبات غير مدفوعة: { $count }
staff-method-deleted_at = 🗑 حُذفت في { $date }
staff-method-delete_confirm = حذف الطريقة { $name }؟ لن يراها المتسوقون بعد الآن ويبقى سجلها.
staff-method-delete_blocked = { $count ->
    [zero] ⚠️ لا شيء معلّق يستخدمها.
    [one] ⚠️ ما زالت عملية شحن معلّقة أو طلب غير مدفوع يستخدمها: سيُرفض الحذف حتى يُبتّ فيه.
    [two] ⚠️ ما زالت عمليتان معلّقتان (شحن أو طلب غير مدفوع) تستخدمانها: سيُرفض الحذف حتى يُبتّ فيهما.
    [few] ⚠️ ما زالت { $count } عمليات شحن معلّقة أو طلبات غير مدفوعة تستخدمها: سيُرفض الحذف حتى يُبتّ فيها.
    [many] ⚠️ ما زالت { $count } عمليةً معلّقة (شحن أو طلب غير مدفوع) تستخدمها: سيُرفض الحذف حتى يُبتّ فيها.
   *[other] ⚠️ ما زالت { $count } عملية معلّقة (شحن أو طلب غير مدفوع) تستخدمها: سيُرفض الحذف حتى يُبتّ فيها.
}
staff-method-deleted = 🗑 تم حذف الطريقة { $name }.
staff-method_field-name = ✏️ الاسم
staff-method_field-instructions = ✏️ التعليمات
staff-method_field-limits = ✏️ الحدود
staff-method_ask-name = أرسل الاسم الجديد للطريقة.
staff-method_ask-instructions = أرسل التعليمات الجديدة للدافعين.
staff-method_ask-limits = أرسل الحد الأدنى والأقصى الجديدين، مثل: 10 5000
staff-new_method-name = ➕ طريقة دفع جديدة. أرسل اسمها.
staff-new_method-currency = اختر عملتها:
staff-new_method-min = أرسل أصغر مبلغ تقبله.
staff-new_method-max = أرسل أكبر مبلغ تقبله.
staff-new_method-instructions = أرسل التعليمات التي سيراها الدافعون (رقم الحساب، الخطوات).
staff-topups-title = 💳 عمليات شحن بانتظار المراجعة (الأقدم أولاً)
staff-topups-empty = لا شيء بالانتظار. 🎉
staff-topup-title = 💳 عملية الشحن رقم { $id }
staff-topup-user = من: { $user }
staff-topup-amount = المبلغ: { $amount } (يُضاف { $usd })
staff-topup-method = الطريقة: { $method }
staff-topup-requested = أُرسلت: { $date }
staff-topup-status = الحالة: { $status }
staff-topup-proof_caption = إثبات عملية الشحن رقم { $id }
staff-topup-reject_prompt = لماذا رُفضت عملية الشحن رقم { $id }؟ سيقرأ المتسوق السبب.
staff-topup-approved = ✅ قُبلت عملية الشحن رقم { $id }: أُضيف { $usd }. تم إبلاغ المتسوق.
staff-topup-rejected = ❌ رُفضت عملية الشحن رقم { $id }. تم إبلاغ المتسوق.
staff-proof-text = الإثبات: { $text }
staff-proof-photo = الإثبات: صورة (معروضة أعلاه).
staff-proof-photo_caption = الإثبات: صورة (معروضة أعلاه) مع الملاحظة: { $caption }
staff-proof-reused_topup = ⚠️ سبق استخدام هذا الإثبات في عملية الشحن رقم { $id }
staff-proof-reused_order = ⚠️ سبق استخدام هذا الإثبات في الطلب رقم { $id }
staff-topup-reused_confirm = عملية الشحن رقم { $id }: قارن الإثبات بالطلب السابق قبل القبول. هل تقبلها رغم ذلك؟
staff-order-reused_confirm = الطلب رقم { $id }: قارن الإثبات بالطلب السابق قبل تأكيد الدفع. هل تؤكد الدفع رغم ذلك؟
staff-orders-manual_title = ⏳ طلبات مدفوعة بانتظار موظف (الأقدم أولاً)
staff-orders-awaiting_title = 💳 طلبات بانتظار تأكيد الدفع
staff-orders-user_title = 📦 طلبات المستخدم (الأحدث أولاً)
staff-orders-empty = لا شيء.
staff-orders-search_prompt = أرسل رقم طلب (#123)، أو مستخدماً (@name أو u123).
staff-order-fulfilment = التنفيذ: { $fulfilment }
staff-order-code_reserved = 🔑 هناك كود محجوز لهذا الطلب.
staff-order-own = 👤 هذا طلبك أنت: يجب أن يؤكده أو يكمله أو يفشله موظف آخر.
staff-order-delivery_prompt = أرسل ما سيستلمه المشتري للطلب رقم { $id } (الكود، بيانات الحساب…).
staff-order-fail_prompt = لماذا فشل الطلب رقم { $id }؟ سيقرأ المشتري السبب، ويُسترد المبلغ المدفوع إلى رصيده.
staff-order-completed = ✅ اكتمل الطلب رقم { $id }. تم إبلاغ المشتري.
staff-order-failed = ❌ فشل الطلب رقم { $id }. تم إبلاغ المشتري.
staff-order-failed_refunded = ❌ فشل الطلب رقم { $id }؛ عاد { $total } إلى رصيد المشتري. تم إبلاغه.
staff-order-payment_confirmed = 💰 تم تأكيد الدفع للطلب رقم { $id }.
staff-user-query_prompt = أرسل المعرّف الرقمي للمستخدم أو اسمه @username.
staff-user-title = 👤 { $user }
staff-user-role = الدور: { $role }
staff-user-since = انضم: { $date } · آخر ظهور: { $seen }
staff-user-banned = ⛔ محظور منذ { $date }: { $reason }
staff-user-not_banned = غير محظور.
staff-user-recent_orders = آخر الطلبات:
staff-user-choose_role = اختر الدور الجديد لـ { $user } (الحالي { $role }):
staff-user-ban_prompt = لماذا يُحظر المستخدم { $user }؟ يُسجَّل السبب.
staff-user-adjust_prompt = أرسل التعديل على رصيد المستخدم { $user } بالدولار: ‎+10 للإضافة، ‎-2.50 للخصم.
staff-user-adjust_reason = لماذا { $amount }؟ يُسجَّل السبب في السجل المالي.
staff-coupons-title = 🎟 القسائم
staff-coupons-empty = لا توجد قسائم بعد.
staff-coupons-line = { $code } · { $discount } · استُخدمت { $uses } من { $max } · { $scope } · { $state }
staff-coupon-active = مفعّلة
staff-coupon-inactive = معطّلة
staff-coupon-scope_all = كل المنتجات
staff-coupon-scope_product = المنتج رقم { $id }
staff-coupon-scope_category = القسم رقم { $id }
staff-coupon-ask_code = ➕ قسيمة جديدة. أرسل رمزها (من 3 إلى 32 حرفاً أو رقماً أو - أو _).
staff-coupon-ask_discount = أرسل الخصم: 20% لنسبة مئوية، أو 5 لخصم 5.00 دولار.
staff-coupon-ask_uses = كم مرة يمكن استخدامها إجمالاً؟
staff-coupon-ask_per_user = كم مرة يمكن للشخص الواحد استخدامها؟
staff-stats-title = 📊 إحصاءات يوم { $date }
staff-stats-users = 👤 المستخدمون: { $total } (جدد اليوم { $today }، نشطون هذا الأسبوع { $active }، محظورون { $banned })
staff-stats-orders = 📦 الطلبات: { $total } (اليوم { $today }، هذا الأسبوع { $week })
staff-stats-success = نسبة النجاح: { $rate }
staff-stats-revenue = 💰 الإيرادات: { $total } (اليوم { $today }، هذا الأسبوع { $week }، هذا الشهر { $month })؛ متوسط الطلب { $average }
staff-stats-topups = 💳 عمليات الشحن المقبولة: { $count }، { $total } (اليوم { $today })
staff-stats-best = 🏆 الأكثر مبيعاً حسب الإيراد:
staff-stats-chart = { $days ->
    [zero] 📈 الإيرادات (USD)
    [one] 📈 إيرادات اليوم (USD)
    [two] 📈 الإيرادات اليومية، آخر يومين (USD)
    [few] 📈 الإيرادات اليومية، آخر { $days } أيام (USD)
    [many] 📈 الإيرادات اليومية، آخر { $days } يوماً (USD)
   *[other] 📈 الإيرادات اليومية، آخر { $days } يوم (USD)
}
staff-audit-title = 📜 سجل التدقيق · صفحة { $page } · { $filter }
staff-audit-all = كل الإدخالات
staff-audit-empty = لا توجد إدخالات.
staff-audit-denied = ⛔ مرفوض
staff-audit-failed = ⚠️ فشل
staff-audit-filter_prompt = أرسل اسم إجراء (مثل BAN_USER أو APPROVE_DEPOSIT)، أو مستخدماً (معرّف أو @username).
staff-target-settings = الإعدادات
staff-target-user = المستخدم { $id }
staff-target-currency = العملة { $id }
staff-target-category = القسم رقم { $id }
staff-target-product = المنتج رقم { $id }
staff-target-method = الطريقة رقم { $id }
staff-target-topup = الشحن رقم { $id }
staff-target-order = الطلب رقم { $id }
staff-target-coupon = القسيمة { $id }
staff-settings-title = ⚙️ إعدادات المتجر
staff-settings-fulfilment = التنفيذ: { $mode }
staff-settings-support = جهة الدعم: { $contact }
staff-settings-time_zone = المنطقة الزمنية: { $zone }
staff-settings-emergency_confirm = ⛔ إيقاف المتجر؟ تُرفض المشتريات وعمليات الشحن وكل التغييرات حتى يعيد فتحه من يملك صلاحية الطوارئ. سيُبلَّغ المتسوقون.
staff-settings-support_prompt = أرسل جهة الدعم التي يراها المتسوقون في المساعدة (مثل @shop_support).
staff-settings-time_zone_prompt = أرسل المنطقة الزمنية للمتجر باسمها في قاعدة IANA، مثل Africa/Cairo أو Asia/Riyadh أو Europe/Istanbul. تتبعها أيام الإحصاءات والتواريخ التي يراها الجميع، مع التوقيت الصيفي.
staff-settings-time_zone_unknown = هذه ليست منطقة زمنية: أرسل اسماً من قاعدة IANA مثل Africa/Cairo أو Asia/Riyadh أو Europe/Istanbul (أو /cancel).
staff-currencies-title = 💱 العملات (وحدات لكل دولار)
staff-currencies-line = { $code } ({ $symbol }) · { $rate } · مفعّلة: { $state }
staff-currencies-rate_prompt = أرسل السعر الجديد: كم { $code } يشتري الدولار الواحد.
staff-currencies-add_prompt = أرسل العملة الجديدة بصيغة الرمز العلامة المنازل السعر، مثل: EUR € 2 0.92
staff-notify-topup = 💳 عملية شحن جديدة رقم { $id } من { $user }: { $amount }. بانتظار المراجعة.
staff-notify-order = 📦 الطلب رقم { $id } من { $user } بانتظار موظف: { $product }، { $total }.
staff-error-bad_transition = سبق أن تعامل أحدهم مع هذا الطلب: حالته الآن { $status }.
staff-user-balance = الرصيد: { $balance }
staff-notify-invoice_late = ⚠️ وصل دفع للفاتورة رقم { $id } من { $user } بعد إغلاقها، فأُضيف إلى رصيده.
staff-notify-invoice_refused = ⛔ رُفض دفع للفاتورة رقم { $id } من { $user }: { $reason }. لم يُضف شيء.
staff-notify-invoice_refund_refused = ⚠️ رفض مزود الدفع استرداد الفاتورة رقم { $id } لـ { $user } ({ $reason })؛ المبلغ عاد إلى رصيده.
staff-target-broadcast = الإذاعة رقم { $id }
staff-target-invoice = الفاتورة رقم { $id }
staff-stats-routes = 🧾 حسب طريقة الدفع:
staff-stats-route = { $orders ->
    [zero] { $route }: لا طلبات، { $revenue }؛ رصيد مضاف { $credited }
    [one] { $route }: طلب واحد، { $revenue }؛ رصيد مضاف { $credited }
    [two] { $route }: طلبان، { $revenue }؛ رصيد مضاف { $credited }
    [few] { $route }: { $orders } طلبات، { $revenue }؛ رصيد مضاف { $credited }
    [many] { $route }: { $orders } طلباً، { $revenue }؛ رصيد مضاف { $credited }
   *[other] { $route }: { $orders } طلب، { $revenue }؛ رصيد مضاف { $credited }
}
staff-topup-amount_usd = المبلغ: { $amount }
