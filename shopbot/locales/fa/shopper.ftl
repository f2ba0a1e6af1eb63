# متن‌هایی که خریداران می‌بینند: منوها، کاتالوگ، خرید، سفارش‌ها، کیف پول، اطلاعیه‌ها، خطاها.

# نام زبان به خود آن زبان، و جهت نوشتن آن (ltr یا rtl).
language-name = فارسی
language-direction = rtl
money-local_and_usd = { $local } ({ $usd })

## منو، راهنما، تنظیمات
menu-greeting =
    سلام { $name }! به فروشگاه خوش آمدید.
    چه کاری می‌خواهید انجام دهید؟
notice-maintenance = 🛠 فروشگاه در حال تعمیر و نگهداری است: فعلاً سفارش جدید پذیرفته نمی‌شود. کیف پول و سفارش‌های شما همچنان کار می‌کنند.
notice-emergency = ⛔ فروشگاه موقتاً متوقف شده است. خرید، شارژ و تغییرات تا بازگشایی فروشگاه توسط کارکنان متوقف است؛ همچنان می‌توانید سفارش‌ها و کیف پول خود را ببینید.
notice-reason = دلیل: { $reason }
notice-stale_button = این دکمه منقضی شده است. لطفاً از آخرین پیام استفاده کنید.
notice-unavailable = این مورد دیگر در دسترس نیست.
input-not_understood = متوجه نشدم.
help-text =
    ℹ️ راهنمای استفاده
    • فروشگاه: یک دسته و یک محصول انتخاب کنید، سپس مراحل خرید را دنبال کنید.
    • کیف پول: موجودی خود را شارژ کنید و تاریخچه را ببینید.
    • سفارش‌های من: سفارش‌ها را پیگیری کنید، تحویل‌ها را ببینید و تا وقتی مجاز است لغو کنید.
    • تنظیمات: زبان و واحد پول.

    دستورها: /start، /menu، /cancel، /help
help-support = به کمک نیاز دارید؟ با پشتیبانی تماس بگیرید: { $contact }
help-no_support = به کمک نیاز دارید؟ همین‌جا پیام بدهید تا کارکنان فروشگاه پاسخ دهند.
settings-text =
    ⚙️ تنظیمات
    زبان: { $language }
    نمایش قیمت‌ها به: { $currency }
settings-language_changed = زبان تغییر کرد.
settings-currency_changed = واحد پول تغییر کرد.
currency-choose = واحد پول نمایش قیمت‌ها را انتخاب کنید (پرداخت همیشه به مبلغ USD و از موجودی شما انجام می‌شود):

## دکمه‌ها
button-shop = 🛍 فروشگاه
button-wallet = 👛 کیف پول
button-orders = 📦 سفارش‌های من
button-settings = ⚙️ تنظیمات
button-help = ℹ️ راهنما و پشتیبانی
button-menu = 🏠 منوی اصلی
button-back = ⬅️ بازگشت
button-categories = ⬅️ دسته‌ها
button-previous = ◀️ قبلی
button-next = بعدی ▶️
button-older = قدیمی‌تر ▶️
button-buy = 🛒 خرید
button-cancel = ✖️ لغو
button-confirm = ✅ تأیید
button-skip_coupon = کد تخفیف ندارم
button-pay_balance = 👛 موجودی ({ $balance })
button-topup = ➕ شارژ
button-history = 📜 تاریخچه
button-referrals = 🎁 دعوت از دوستان
button-currency = 💱 واحد پول
button-cancel_order = ✖️ لغو این سفارش
button-yes_cancel_order = بله، لغو شود
button-order_details = 📦 جزئیات سفارش

## کاتالوگ
shop-empty = فروشگاه هنوز محصولی ندارد. لطفاً بعداً سر بزنید.
shop-choose_category = یک دسته انتخاب کنید:
category-title = 📂 { $name }
category-empty = در حال حاضر چیزی در این بخش برای فروش نیست.
category-choose_product = یک محصول انتخاب کنید:
product-title = 🏷 { $name }
product-price = قیمت: { $price }
product-in_stock = ✅ موجود
product-stock_left = ✅ موجود ({ $count } عدد باقی مانده)
product-per_order = 🔢 حداکثر { $count } عدد در هر سفارش
product-also_bought = 👥 کسانی که این را خریدند این‌ها را هم خریدند:
product-out_of_stock = ❌ ناموجود
product-needs_player_id = از شما { $label } خواسته می‌شود ({ $rule }).
rule-digits = فقط رقم، با طول { $min } تا { $max }
rule-alphanumeric = فقط حروف لاتین و رقم، با طول { $min } تا { $max }
rule-mask = به شکل { $mask } (# یعنی رقم، A یعنی حرف، * یعنی هر کدام)

## خرید
buy-player_id_prompt =
    { $label } خود را بفرستید.
    قالب مجاز: { $rule }.
buy-player_id_rejected =
    این { $label } درست به نظر نمی‌رسد؛ قالب مجاز: { $rule }.
    لطفاً دوباره بفرستید.
buy-coupon_prompt = کد تخفیف دارید؟ کد را بفرستید، یا «کد تخفیف ندارم» را بزنید.
buy-coupon_rejected =
    ❌ { $reason }
    کد دیگری بفرستید، یا «کد تخفیف ندارم» را بزنید.
buy-coupon_applied = ✅ کد تخفیف { $coupon } اعمال شد.
buy-payment_prompt = چطور می‌خواهید پرداخت کنید؟
buy-method_instructions =
    💳 { $method }
    مبلغ { $amount } را واریز کنید.

    { $instructions }

    سپس عکس رسید، یا شماره تراکنش را به صورت متن بفرستید.
buy-proof_expected = لطفاً عکس رسید، یا شماره تراکنش را به صورت متن بفرستید.
summary-title = 🧾 خلاصه سفارش
summary-product = محصول: { $name }
summary-player_id = { $label }: { $player_id }
summary-player_id_label = شناسه بازیکن
summary-price = قیمت: { $price }
summary-quantity = تعداد: { $count } × { $price }
quantity-prompt = چند عدد { $name } می‌خواهید؟ روی یک عدد بزنید یا عددی از 1 تا { $max } بفرستید.
quantity-rejected = لطفاً یک عدد صحیح از 1 تا { $max } بفرستید.
summary-discount = کد تخفیف { $coupon }: −{ $discount }
summary-total = مبلغ کل: { $total }
summary-total_local = مبلغ کل به واحد پول شما: { $total }
summary-pay_balance = پرداخت از موجودی شما (موجودی فعلی: { $balance }).
summary-pay_method = پرداخت از طریق { $method }: { $amount }، با بررسی کارکنان.
summary-confirm_hint = برای ثبت سفارش، «تأیید» را بزنید.
flow-cancelled = لغو شد. هیچ مبلغی کسر نشد.

## سفارش‌ها
order-placed = ✅ سفارش #{ $id } ثبت شد.
order-title = 📦 سفارش #{ $id }
order-product = محصول: { $name }
order-status = وضعیت: { $status }
order-player_id = شناسه بازیکن: { $player_id }
order-total = مبلغ کل: { $total }
order-quantity = تعداد: { $count } × { $price }
order-item_units = { $count } × { $name }
order-total_local = به واحد پول شما: { $total }
order-coupon = کد تخفیف { $coupon }: −{ $discount }
order-paid_by_method = پرداخت با انتقال وجه: { $amount }
order-created = تاریخ ثبت: { $date }
order-delivery = 🎁 تحویل: { $delivery }
order-failure = دلیل: { $reason }
order-awaiting_review = ⏳ کارکنان در حال بررسی پرداخت شما هستند.
orders-title = 📦 سفارش‌های شما:
orders-empty = هنوز سفارشی ندارید.
order-cancel_confirm = سفارش #{ $id } لغو شود؟
order-cancel_confirm_refund = سفارش #{ $id } لغو شود؟ مبلغ { $total } به موجودی شما برمی‌گردد.
order-cancelled = سفارش #{ $id } لغو شد.
order-cancelled_refunded = سفارش #{ $id } لغو شد. مبلغ { $total } به موجودی شما برگشت.
order-not_cancellable = این سفارش دیگر قابل لغو نیست.
status-awaiting_payment = ⏳ در انتظار بررسی پرداخت
status-paid = 💰 پرداخت‌شده، در حال آماده‌سازی
status-processing = ⚙️ در حال پردازش
status-completed = ✅ تکمیل‌شده
status-failed = ❌ ناموفق
status-cancelled = ✖️ لغوشده

## کیف پول
wallet-balance = 👛 موجودی شما: { $balance }
wallet-pending = ⏳ شارژهای در انتظار بررسی: { $count }
referral-title = 🎁 دعوت از دوستان
referral-link = پیوند خود را به اشتراک بگذارید: { $link }
referral-reward_percent = وقتی دوستی که از این پیوند می‌آید نخستین سفارشش را کامل کند، { $percent }٪ آن سفارش به موجودی شما افزوده می‌شود.
referral-reward_fixed = وقتی دوستی که از این پیوند می‌آید نخستین سفارشش را کامل کند، { $amount } به موجودی شما افزوده می‌شود.
referral-no_program = فروشگاه فعلاً پاداش معرفی نمی‌دهد؛ ولی دوستانی که از پیوند شما می‌آیند شمرده می‌شوند.
referral-stats = دوستان دعوت‌شده: { $referred } · پاداش‌ها: { $rewarded } · درآمد: { $earned }
referral-welcome = 🎁 خوش آمدید! شما با دعوت یک دوست آمده‌اید.
topup-no_methods = در حال حاضر هیچ روشی برای شارژ در دسترس نیست.
topup-choose_method = روش واریز پول را انتخاب کنید:
topup-amount_prompt =
    💳 { $method }
    { $instructions }

    چه مبلغی به { $currency } واریز می‌کنید؟ (از { $min } تا { $max })
topup-proof_prompt = مبلغ { $amount } را واریز کنید، سپس عکس رسید، یا شماره تراکنش را به صورت متن بفرستید.
topup-requested = ✅ درخواست شارژ #{ $id } به مبلغ { $amount } (≈ { $usd }) برای بررسی ارسال شد. پس از بررسی به شما پیام می‌دهیم.
history-title = 📜 تاریخچه کیف پول
history-empty = هنوز تراکنشی ثبت نشده است.
history-entry = { $date } · { $kind } · { $amount } → { $balance }
history-topups_title = شارژهای اخیر:
history-topup = #{ $id } · { $amount } · { $status }
ledger-topup = شارژ
ledger-purchase = خرید
ledger-refund = بازپرداخت
ledger-adjustment = اصلاح موجودی
ledger-payment = پرداخت
topup_status-pending = ⏳ در انتظار بررسی
topup_status-approved = ✅ تأییدشده
topup_status-rejected = ❌ ردشده

## اعلان‌ها
notify-order_completed = ✅ سفارش #{ $id } شما تکمیل شد!
notify-order_failed = ❌ سفارش #{ $id } شما ناموفق بود: { $reason }
notify-order_cancelled = ✖️ سفارش #{ $id } شما لغو شد.
notify-refunded = مبلغ { $total } به موجودی شما برگشت.
notify-refunded_plain = مبلغ به موجودی شما برگشت.
notify-payment_confirmed = 💰 پرداخت سفارش #{ $id } تأیید شد. سفارش در حال آماده‌سازی است.
notify-topup_approved = ✅ شارژ #{ $id } تأیید شد: { $amount } به موجودی شما اضافه شد.
notify-topup_rejected = ❌ شارژ #{ $id } رد شد: { $reason }
notify-referral_rewarded = 🎁 دوستی که دعوت کرده بودید نخستین سفارشش را کامل کرد: { $amount } به موجودی شما افزوده شد.

## خطاها (برای هر Error::kind که خریدار ممکن است با آن روبه‌رو شود، یک پیام)
error-internal = مشکلی در سمت ما پیش آمد. لطفاً چند لحظه دیگر دوباره تلاش کنید.
error-generic = انجام نشد. لطفاً دوباره تلاش کنید، یا با پشتیبانی تماس بگیرید.
error-denied-banned = ⛔ حساب شما مسدود شده است. اگر فکر می‌کنید اشتباهی رخ داده، با پشتیبانی تماس بگیرید.
error-denied-unknown_actor = لطفاً ابتدا /start را بفرستید.
error-mode-emergency = ⛔ فروشگاه موقتاً متوقف شده است؛ خرید، شارژ و تغییرات متوقف است. لطفاً بعداً دوباره تلاش کنید.
error-mode-maintenance = 🛠 فروشگاه در حال تعمیر و نگهداری است: فعلاً سفارش جدید پذیرفته نمی‌شود. کیف پول و سفارش‌های شما همچنان کار می‌کنند.
error-wallet-insufficient_balance = موجودی شما ({ $balance }) کافی نیست: هزینه این مورد { $needed } است. کیف پول خود را شارژ کنید یا روش پرداخت دیگری انتخاب کنید.
error-wallet-balance_limit = با این کار موجودی شما از سقف مجاز بیشتر می‌شود.
error-wallet-too_many_pending = شما هم‌اکنون { $max } شارژ در انتظار بررسی دارید. لطفاً تا بررسی آن‌ها صبر کنید.
error-wallet-rounds_to_zero = این مبلغ برای واریز به موجودی خیلی کم است.
error-wallet-topup_not_found = این شارژ وجود ندارد.
error-order-not_found = این سفارش وجود ندارد.
error-order-product_inactive = این محصول در حال حاضر فروخته نمی‌شود.
error-order-product_archived = این محصول دیگر فروخته نمی‌شود.
error-order-out_of_stock = متأسفیم، موجودی این محصول تمام شده است.
error-order-not_enough_stock = فقط { $available } عدد باقی مانده و شما { $wanted } عدد خواسته‌اید. لطفاً تعداد کمتری انتخاب کنید.
error-order-bad_quantity = در هر سفارش می‌توانید از 1 تا { $max } عدد از این محصول بخرید.
error-order-open_order_exists = شما یک سفارش باز دارید (#{ $id }). صبر کنید تا انجام شود یا ابتدا آن را از «سفارش‌های من» لغو کنید.
error-order-payment_out_of_range = این روش مبلغی بین { $min } تا { $max } را می‌پذیرد؛ مبلغ این سفارش { $amount } است. لطفاً روش پرداخت دیگری انتخاب کنید.
error-order-player_id_required = این محصول به { $label } شما نیاز دارد.
error-order-bad_player_id = این شناسه بازیکن با قالب مورد نیاز این محصول مطابقت ندارد.
error-order-bad_transition = این سفارش دیگر قابل تغییر نیست.
error-order-with_supplier = این سفارش نزد تأمین‌کننده است و نتیجه آن هنوز مشخص نیست. وضعیت آن به‌طور خودکار مشخص می‌شود؛ تا آن زمان قابل تغییر نیست.
error-order-proof_required = لطفاً ابتدا رسید پرداخت خود را بفرستید.
error-catalog-product_not_found = این محصول دیگر وجود ندارد.
error-catalog-category_not_found = این دسته دیگر وجود ندارد.
error-payment_method-not_found = این روش پرداخت وجود ندارد.
error-payment_method-deleted = این روش پرداخت دیگر ارائه نمی‌شود.
error-payment_method-inactive = این روش پرداخت در حال حاضر در دسترس نیست.
error-currency-unknown = این واحد پول پشتیبانی نمی‌شود.
error-currency-disabled = این واحد پول در حال حاضر در دسترس نیست.
error-coupon-not_found = چنین کد تخفیفی وجود ندارد.
error-coupon-inactive = این کد تخفیف غیرفعال است.
error-coupon-expired = این کد تخفیف منقضی شده است.
error-coupon-used_up = ظرفیت استفاده از این کد تخفیف تمام شده است.
error-coupon-already_used_by_you = شما قبلاً از این کد تخفیف استفاده کرده‌اید.
error-coupon-below_minimum = این کد تخفیف فقط برای سفارش‌های دست‌کم { $min } معتبر است.
error-coupon-not_applicable = این کد تخفیف برای این محصول معتبر نیست.
error-invalid-coupon_code = کد تخفیف از 3 تا 32 حرف، رقم، - یا _ تشکیل می‌شود.
error-invalid-empty_text = لطفاً متنی بفرستید.
error-invalid-text_too_long = این متن خیلی طولانی است.
error-invalid-forbidden_character = این متن نویسه‌های غیرمجاز دارد.
error-invalid-request_key_reused = این درخواست قبلاً به شکل دیگری انجام شده است. لطفاً از ابتدا شروع کنید.
error-amount-not_a_number = لطفاً فقط یک عدد بفرستید، مثل 25 یا 12.50.
error-amount-not_positive = مبلغ باید بیشتر از صفر باشد.
error-amount-too_many_decimals = حداکثر { $decimals } رقم اعشار وارد کنید.
error-amount-too_large = بیشترین مبلغ قابل واریز از این روش { $max } است.
error-amount-too_small = کمترین مبلغ قابل واریز از این روش { $min } است.

## عملیات (محدودیت سرعت، هشدارهای کارکنان، پشتیبان‌گیری، پیام‌های همگانی)
ratelimit-notice = خیلی سریع پیام می‌فرستید. لطفاً چند ثانیه صبر کنید؛ پس از آن دوباره پاسخ می‌دهم.
alert-storage = ⚠️ خطای ذخیره‌سازی در ربات: { $detail }
alert-verify =
    🚨 بررسی یکپارچگی هنگام راه‌اندازی ناموفق بود؛ فروشگاه در حالت توقف اضطراری (EMERGENCY) است.
    { $detail }
alert-backup = ⚠️ پشتیبان‌گیری ناموفق بود: { $detail }
alert-handler = ⚠️ ربات نتوانست یک به‌روزرسانی را پردازش کند: { $detail }
alert-retention = ⚠️ پاک‌سازی سوابق قدیمی ناموفق بود: { $detail }
alert-staff_chat = ⚠️ یک اعلان به گفتگوی کارکنان نرسید (بررسی کنید ربات هنوز عضو آن باشد): { $detail }
alert-suppressed = { $count ->
    [one] ({ $count } هشدار مشابه از آخرین هشدار تا کنون نگه داشته شد.)
   *[other] ({ $count } هشدار مشابه از آخرین هشدار تا کنون نگه داشته شدند.)
}
backup-done = 💾 نسخه پشتیبان ذخیره شد: { $file } ({ $bytes } بایت).
backup-failed = ⚠️ پشتیبان‌گیری ناموفق بود؛ جزئیات در لاگ ثبت شده است.
broadcast-ask_text = اکنون متن پیام همگانی را بفرستید (یا /cancel).
broadcast-preview =
    📣 پیش‌نمایش پیام همگانی:

    { $text }
broadcast-confirm = این پیام برای { $audience } کاربر ارسال می‌شود. ارسال شود؟
broadcast-button_send = ✅ ارسال
broadcast-button_discard = ✖️ حذف
broadcast-button_cancel = ⏹ توقف ارسال
broadcast-discarded = پیام همگانی حذف شد.
broadcast-cancelling = در حال توقف پیام همگانی…
broadcast-progress =
    📣 پیام همگانی #{ $id }: { $done } از { $audience } پردازش شد
    ✅ ارسال‌شده { $sent } · 🚫 مسدود { $blocked } · ⚠️ ناموفق { $failed }
broadcast-finished =
    📣 پیام همگانی #{ $id } به پایان رسید: { $done } از { $audience } پردازش شد
    ✅ ارسال‌شده { $sent } · 🚫 مسدود { $blocked } · ⚠️ ناموفق { $failed }
broadcast-cancelled =
    📣 پیام همگانی #{ $id } متوقف شد: { $done } از { $audience } پردازش شد
    ✅ ارسال‌شده { $sent } · 🚫 مسدود { $blocked } · ⚠️ ناموفق { $failed }
role-user = خریدار
role-support = پشتیبان
role-operator = اپراتور
role-super_admin = مدیر ارشد
kind-game_top_up = شارژ بازی
kind-gift_card = گیفت کارت
kind-subscription = اشتراک
kind-other = سایر
delivery-manual = دستی
delivery-codes = از مخزن کدها
delivery-supplier = توسط تأمین‌کننده
delivery-supplier_sku = توسط تأمین‌کننده (SKU { $sku })
store_state-open = باز
store_state-maintenance = تعمیر و نگهداری
store_state-emergency = توقف اضطراری
fulfilment-manual = دستی
fulfilment-auto = خودکار
error-denied-missing_permission = ⛔ نقش شما اجازه این کار را نمی‌دهد ({ $permission }). این تلاش ثبت شد.
error-denied-cannot_manage = ⛔ فقط می‌توانید درباره افرادی با رتبه پایین‌تر از خودتان اقدام کنید.
error-denied-cannot_grant = ⛔ نمی‌توانید این نقش را اعطا کنید.
error-denied-self_action = ⛔ نمی‌توانید این کار را روی خودتان انجام دهید.
error-wallet-already_decided = درباره این شارژ قبلاً تصمیم گرفته شده است: { $status }. کار دیگری انجام نشد.
error-wallet-proof_reused =
    { $warning }
    هیچ کاری انجام نشد: برای تصمیم‌گیری، درخواست را دوباره باز کنید.
error-order-delivery_required = این سفارش به متن تحویل (کد یا اطلاعات حساب) نیاز دارد.
error-payment_method-in_use = { $count ->
    [one] این روش هنوز قابل حذف نیست: { $count } شارژ در انتظار یا سفارش پرداخت‌نشده هنوز از آن استفاده می‌کند. ابتدا درباره آن تصمیم بگیرید، یا روش را غیرفعال کنید تا مورد جدیدی نیاید.
   *[other] این روش هنوز قابل حذف نیست: { $count } شارژ در انتظار یا سفارش پرداخت‌نشده هنوز از آن استفاده می‌کنند. ابتدا درباره آن‌ها تصمیم بگیرید، یا روش را غیرفعال کنید تا مورد جدیدی نیاید.
}
error-payment_method-min_above_max = حداقل از حداکثر بیشتر است.
error-catalog-category_not_empty = { $count ->
    [one] این دسته هنوز { $count } محصول دارد: ابتدا آن را جابه‌جا یا حذف کنید.
   *[other] این دسته هنوز { $count } محصول دارد: ابتدا آن‌ها را جابه‌جا یا حذف کنید.
}
error-catalog-product_archived = این محصول بایگانی شده و قابل تغییر نیست.
error-catalog-stock_too_large = این مقدار موجودی بیش از حد زیاد است.
error-catalog-stock_from_codes = موجودی این محصول همان مخزن کدهای آن است: به جای آن، کد بارگذاری کنید.
error-catalog-not_a_codes_product = این محصول از طریق کد تحویل داده نمی‌شود.
error-catalog-codes_in_pool = { $count ->
    [one] مخزن هنوز { $count } کد دارد: ابتدا آن را باطل کنید.
   *[other] مخزن هنوز { $count } کد دارد: ابتدا آن‌ها را باطل کنید.
}
error-catalog-bad_code = کد خط { $line } معتبر نیست (بیش از حد طولانی است یا نویسه غیرمجاز دارد). چیزی اضافه نشد.
error-catalog-no_codes = هیچ کدی در آن پیدا نشد.
error-catalog-bad_order_limit = حد هر سفارش باید عددی صحیح از 1 تا { $max } باشد.
error-catalog-too_many_codes = { $count ->
    [one] { $count } کد در یک بارگذاری؛ حداکثر { $max } است.
   *[other] { $count } کد در یک بارگذاری؛ حداکثر { $max } است. فهرست را تقسیم کنید.
}
error-catalog-duplicate_codes = { $count ->
    [one] { $count } کد از این کدها قبلاً برای این محصول بارگذاری شده (در مخزن، فروخته‌شده، رزروشده یا باطل‌شده) یا در فهرست تکرار شده است. هر کد فقط یک بار فروخته می‌شود، پس چیزی اضافه نشد: آن را حذف کنید و دوباره بارگذاری کنید.
   *[other] { $count } کد از این کدها قبلاً برای این محصول بارگذاری شده‌اند (در مخزن، فروخته‌شده، رزروشده یا باطل‌شده) یا در فهرست تکرار شده‌اند. هر کد فقط یک بار فروخته می‌شود، پس چیزی اضافه نشد: آن‌ها را حذف کنید و دوباره بارگذاری کنید.
}
error-catalog-pool_full = مخزن بیش از حد بزرگ می‌شود.
error-catalog-bad_player_rule = این قاعده شناسه بازیکن معتبر نیست (طول 1 تا 64، حداقل ≤ حداکثر).
error-user-not_found = هیچ کاربری با این مشخصات پیدا نشد. شناسه یا @username را بررسی کنید.
error-user-already_banned = این کاربر قبلاً مسدود شده است.
error-user-not_banned = این کاربر مسدود نیست.
error-user-role_unchanged = این کاربر از قبل همین نقش را دارد.
error-user-last_super_admin = این آخرین مدیر ارشد است: ابتدا فرد دیگری را ارتقا دهید.
error-coupon-already_exists = کد تخفیفی با این کد از قبل وجود دارد.
error-coupon-bad_percentage = درصد باید بیشتر از 0 و حداکثر 100 باشد.
error-coupon-bad_uses = تعداد دفعات استفاده خارج از محدوده مجاز است.
error-currency-already_exists = این واحد پول از قبل وجود دارد.
error-currency-base_fixed = USD واحد پول پایه است: نرخ آن همیشه 1 است و همیشه فعال می‌ماند.
error-currency-bad_decimals = تعداد رقم‌های اعشار باید بین 0 تا 4 باشد.
error-currency-in_use = { $count ->
    [one] { $count } روش پرداخت فعال از این واحد پول استفاده می‌کند: ابتدا آن را غیرفعال کنید.
   *[other] { $count } روش پرداخت فعال از این واحد پول استفاده می‌کنند: ابتدا آن‌ها را غیرفعال کنید.
}
error-invalid-unchanged = چیزی تغییر نکرد.
error-invalid-username = این یک @username معتبر نیست.
error-invalid-user_id = این یک شناسه کاربری معتبر نیست.
error-invalid-currency_code = کد واحد پول سه حرف دارد، مثل EUR.
error-invalid-unknown_name = این نام را نمی‌شناسم.
order_fulfilment-manual = دستی
order_fulfilment-codes = یک کد از مخزن
order_fulfilment-supplier = تأمین‌کننده
notify-invoice_credited = ✅ پرداخت فاکتور #{ $id } دریافت شد: { $amount } به موجودی شما اضافه شد.
notify-invoice_credited_late = 💰 پرداخت شما برای فاکتور #{ $id } زمانی رسید که فاکتور دیگر قابل استفاده نبود، بنابراین { $amount } به جای آن به موجودی شما اضافه شد.
notify-invoice_refunded = ↩️ پرداخت شما برای فاکتور #{ $id } ({ $amount }) به شما بازگردانده شد.
ledger-invoice = پرداخت فاکتور
ledger-provider_refund = بازگشت وجه به روش پرداخت شما
error-invoice-not_found = این فاکتور وجود ندارد.
error-invoice-not_payable = این فاکتور دیگر قابل پرداخت نیست. اگر هنوز می‌خواهید پرداخت کنید، فاکتور جدیدی ایجاد کنید.
error-invoice-mismatch = این پرداخت با فاکتور مطابقت ندارد.
error-invoice-too_many_open = شما فاکتورهای پرداخت‌نشده دارید. ابتدا یکی را پرداخت یا لغو کنید.
error-invoice-not_cancellable = این فاکتور قابل لغو نیست.
provider-stars = ⭐ ستاره‌های تلگرام
provider-crypto_pay = 💎 ارز دیجیتال (Crypto Pay)
topup-stars_amount_prompt = ⭐ چند USD می‌خواهید اضافه کنید؟ پرداخت با ستاره‌های تلگرام و با نرخ { $rate } ستاره به ازای هر USD انجام می‌شود (تا سقف { $max }).
topup-crypto_amount_prompt = 💎 چند USD می‌خواهید اضافه کنید؟ پرداخت با ارز دیجیتال و از طریق Crypto Pay انجام می‌شود (تا سقف { $max }).
invoice-title_topup = شارژ، فاکتور #{ $id }
invoice-title_order = سفارش #{ $id }
invoice-description_topup = پس از پرداخت، { $amount } به موجودی فروشگاه شما اضافه می‌شود.
invoice-description_order = { $product }، { $amount }.
invoice-price_label = فاکتور #{ $id }
invoice-crypto_pay = 💎 فاکتور #{ $id }: مبلغ { $amount } را با دکمه زیر با ارز دیجیتال پرداخت کنید. پس از پرداخت، مبلغ به‌طور خودکار به موجودی شما اضافه می‌شود.
invoice-crypto_unavailable = پرداخت با ارز دیجیتال در حال حاضر در دسترس نیست. لطفاً بعداً دوباره تلاش کنید یا روش پرداخت دیگری انتخاب کنید.
button-pay_crypto = 💎 پرداخت با Crypto Pay
order-paid_by_provider = پرداخت با { $provider }: { $amount }
alert-payments = ⚠️ یک پرداخت خودکار نیاز به بررسی دارد: { $detail }
route-balance = موجودی
route-method = روش‌های پرداخت
route-stars = ستاره‌های تلگرام
route-crypto_pay = Crypto Pay
invoice_status-open = باز
invoice_status-paid = پرداخت‌شده
invoice_status-expired = منقضی‌شده
invoice_status-cancelled = لغوشده
invoice_status-refunding = در حال بازپرداخت
invoice_status-refunded = بازپرداخت‌شده
topup-requested_usd = ✅ درخواست شارژ #{ $id } به مبلغ { $amount } برای بررسی ارسال شد. پس از بررسی به شما پیام می‌دهیم.
group-private_only = 🛍 فروشگاه در گفتگوی خصوصی با من باز می‌شود تا سفارش‌ها و موجودی شما خصوصی بماند. برای شروع، دکمه زیر را بزنید.
button-open_private = 🛍 باز کردن فروشگاه
settings-broadcasts_on = 📣 اطلاعیه‌های فروشگاه: روشن
settings-broadcasts_muted = 🔕 اطلاعیه‌های فروشگاه: بی‌صدا (پیام‌های مربوط به سفارش‌ها و موجودی شما همچنان ارسال می‌شوند)
button-mute_broadcasts = 🔕 بی‌صدا کردن اطلاعیه‌ها
button-unmute_broadcasts = 📣 روشن کردن اطلاعیه‌ها
button-open_menu = 🛍 باز کردن فروشگاه
settings-muted_notice = اطلاعیه‌ها بی‌صدا شدند.
settings-unmuted_notice = اطلاعیه‌ها روشن شدند.
button-search = 🔎 جستجو
button-search_again = 🔎 جستجوی دوباره
search-prompt = 🔎 دنبال چه می‌گردید؟ نام محصول یا بخشی از آن را (به هر زبانی) بفرستید.
search-found = 🔎 نتایج برای «{ $query }»:
search-nothing = 🔎 هیچ محصولی در حال فروش با «{ $query }» مطابقت ندارد. کلمه‌های کمتر یا کوتاه‌تری را امتحان کنید.
inline-product = 🛍 { $name } — { $price }
button-open_product = 🛍 باز کردن در فروشگاه
