# Texts shoppers see: menus, catalog, buying, orders, wallet, notices, errors.

# The language's own name, and its writing direction (ltr or rtl).
language-name = English
language-direction = ltr
money-local_and_usd = { $local } ({ $usd })

## menu, help, settings
menu-greeting =
    Hello, { $name }! Welcome to the shop.
    What would you like to do?
notice-maintenance = 🛠 The shop is under maintenance: new orders are paused for now. Your wallet and your orders still work.
notice-emergency = ⛔ The shop is temporarily stopped. Purchases, top-ups and changes are paused until staff reopen it; you can still look at your orders and wallet.
notice-reason = Reason: { $reason }
notice-stale_button = This button has expired. Please use the latest message.
notice-unavailable = This is no longer available.
input-not_understood = I didn't understand that.
help-text =
    ℹ️ How it works
    • Shop: pick a category and a product, then follow the steps to buy.
    • Wallet: top up your balance and see your history.
    • My orders: follow your orders, see deliveries, cancel while allowed.
    • Settings: language and currency.

    Commands: /start, /menu, /cancel, /help
help-support = Need help? Contact support: { $contact }
help-no_support = Need help? Reply here and staff will get back to you.
settings-text =
    ⚙️ Settings
    Language: { $language }
    Prices shown in: { $currency }
settings-language_changed = Language changed.
settings-currency_changed = Currency changed.
currency-choose = Choose the currency to see prices in (you always pay the USD amount from your balance):

## buttons
button-shop = 🛍 Shop
button-wallet = 👛 Wallet
button-orders = 📦 My orders
button-settings = ⚙️ Settings
button-help = ℹ️ Help & support
button-menu = 🏠 Main menu
button-back = ⬅️ Back
button-categories = ⬅️ Categories
button-previous = ◀️ Previous
button-next = Next ▶️
button-older = Older ▶️
button-buy = 🛒 Buy
button-cancel = ✖️ Cancel
button-confirm = ✅ Confirm
button-skip_coupon = No coupon
button-pay_balance = 👛 Balance ({ $balance })
button-topup = ➕ Top up
button-history = 📜 History
button-referrals = 🎁 Invite friends
button-currency = 💱 Currency
button-cancel_order = ✖️ Cancel this order
button-yes_cancel_order = Yes, cancel it
button-order_details = 📦 Order details

## catalog
shop-empty = The shop has no products yet. Please come back later.
shop-choose_category = Choose a category:
category-title = 📂 { $name }
category-empty = Nothing on sale here right now.
category-choose_product = Choose a product:
product-title = 🏷 { $name }
product-price = Price: { $price }
product-in_stock = ✅ In stock
product-stock_left = ✅ In stock ({ $count } left)
product-per_order = 🔢 Up to { $count } per order
product-also_bought = 👥 Shoppers who bought this also bought:
product-out_of_stock = ❌ Out of stock
product-needs_player_id = You'll be asked for your { $label } ({ $rule }).
rule-digits = digits only, { $min } to { $max } long
rule-alphanumeric = Latin letters and digits only, { $min } to { $max } long
rule-mask = in the form { $mask } (# is a digit, A a letter, * either)

## buying
buy-player_id_prompt =
    Send your { $label }.
    It must be { $rule }.
buy-player_id_rejected =
    That { $label } doesn't look right: it must be { $rule }.
    Please send it again.
buy-coupon_prompt = Have a coupon? Send its code, or tap "No coupon".
buy-coupon_rejected =
    ❌ { $reason }
    Send another code, or tap "No coupon".
buy-coupon_applied = ✅ Coupon { $coupon } applied.
buy-payment_prompt = How would you like to pay?
buy-method_instructions =
    💳 { $method }
    Send { $amount }.

    { $instructions }

    Then send a photo of the receipt, or the transaction number as text.
buy-proof_expected = Please send a photo of the receipt, or the transaction number as text.
summary-title = 🧾 Order summary
summary-product = Product: { $name }
summary-player_id = { $label }: { $player_id }
summary-player_id_label = Player ID
summary-price = Price: { $price }
summary-quantity = Quantity: { $count } × { $price }
quantity-prompt = How many { $name } would you like? Tap a number or send one from 1 to { $max }.
quantity-rejected = Please send a whole number from 1 to { $max }.
summary-discount = Coupon { $coupon }: −{ $discount }
summary-total = Total: { $total }
summary-total_local = Total in your currency: { $total }
summary-pay_balance = Paid from your balance ({ $balance } now).
summary-pay_method = Paid via { $method }: { $amount }, checked by staff.
summary-confirm_hint = Tap Confirm to place the order.
flow-cancelled = Cancelled. Nothing was charged.

## orders
order-placed = ✅ Order #{ $id } placed.
order-title = 📦 Order #{ $id }
order-product = Product: { $name }
order-status = Status: { $status }
order-player_id = Player ID: { $player_id }
order-total = Total: { $total }
order-quantity = Quantity: { $count } × { $price }
order-item_units = { $count } × { $name }
order-total_local = In your currency: { $total }
order-coupon = Coupon { $coupon }: −{ $discount }
order-paid_by_method = Paid by transfer: { $amount }
order-created = Placed: { $date }
order-delivery = 🎁 Delivery: { $delivery }
order-failure = Reason: { $reason }
order-awaiting_review = ⏳ Staff are checking your payment.
orders-title = 📦 Your orders:
orders-empty = You have no orders yet.
order-cancel_confirm = Cancel order #{ $id }?
order-cancel_confirm_refund = Cancel order #{ $id }? { $total } will go back to your balance.
order-cancelled = Order #{ $id } cancelled.
order-cancelled_refunded = Order #{ $id } cancelled. { $total } went back to your balance.
order-not_cancellable = This order can no longer be cancelled.
status-awaiting_payment = ⏳ awaiting payment check
status-paid = 💰 paid, being prepared
status-processing = ⚙️ processing
status-completed = ✅ completed
status-failed = ❌ failed
status-cancelled = ✖️ cancelled

## wallet
wallet-balance = 👛 Your balance: { $balance }
wallet-pending = ⏳ Top-ups waiting for review: { $count }
referral-title = 🎁 Invite friends
referral-link = Share your link: { $link }
referral-reward_percent = When a friend who joins through it completes their first order, you get { $percent }% of that order on your balance.
referral-reward_fixed = When a friend who joins through it completes their first order, you get { $amount } on your balance.
referral-no_program = The shop pays no referral rewards right now; friends who join through your link are still counted.
referral-stats = Friends invited: { $referred } · rewarded: { $rewarded } · earned: { $earned }
referral-welcome = 🎁 Welcome! You joined through a friend's invitation.
topup-no_methods = No top-up methods are available right now.
topup-choose_method = Choose how you will send the money:
topup-amount_prompt =
    💳 { $method }
    { $instructions }

    How much will you send, in { $currency }? (from { $min } to { $max })
topup-proof_prompt = Send { $amount }, then send a photo of the receipt, or the transaction number as text.
topup-requested = ✅ Top-up #{ $id } of { $amount } (≈ { $usd }) sent for review. You'll get a message when it's checked.
history-title = 📜 Wallet history
history-empty = No movements yet.
history-entry = { $date } · { $kind } · { $amount } → { $balance }
history-topups_title = Recent top-ups:
history-topup = #{ $id } · { $amount } · { $status }
ledger-topup = top-up
ledger-purchase = purchase
ledger-refund = refund
ledger-adjustment = adjustment
ledger-payment = payment
topup_status-pending = ⏳ waiting for review
topup_status-approved = ✅ approved
topup_status-rejected = ❌ rejected

## notifications
notify-order_completed = ✅ Your order #{ $id } is complete!
notify-order_failed = ❌ Your order #{ $id } failed: { $reason }
notify-order_cancelled = ✖️ Your order #{ $id } was cancelled.
notify-refunded = { $total } went back to your balance.
notify-refunded_plain = The money went back to your balance.
notify-payment_confirmed = 💰 Payment for order #{ $id } confirmed. It's being prepared.
notify-topup_approved = ✅ Top-up #{ $id } approved: { $amount } added to your balance.
notify-topup_rejected = ❌ Top-up #{ $id } was rejected: { $reason }
notify-referral_rewarded = 🎁 A friend you invited completed their first order: { $amount } was added to your balance.

## errors (one per Error::kind a shopper can meet)
error-internal = Something went wrong on our side. Please try again in a moment.
error-generic = That didn't work. Please try again, or contact support.
error-denied-banned = ⛔ Your account is blocked. If you think this is a mistake, contact support.
error-denied-unknown_actor = Please send /start first.
error-mode-emergency = ⛔ The shop is temporarily stopped; purchases, top-ups and changes are paused. Please try again later.
error-mode-maintenance = 🛠 The shop is under maintenance: new orders are paused for now. Your wallet and orders still work.
error-wallet-insufficient_balance = Your balance ({ $balance }) is not enough: this costs { $needed }. Top up your wallet or choose another payment method.
error-wallet-balance_limit = This would take your balance over its limit.
error-wallet-too_many_pending = You already have { $max } top-ups waiting for review. Please wait until they are checked.
error-wallet-rounds_to_zero = That amount is too small to credit.
error-wallet-topup_not_found = That top-up doesn't exist.
error-order-not_found = That order doesn't exist.
error-order-product_inactive = This product is not on sale right now.
error-order-product_archived = This product is no longer sold.
error-order-out_of_stock = Sorry, this product is out of stock.
error-order-not_enough_stock = Only { $available } left, and you asked for { $wanted }. Please choose fewer.
error-order-bad_quantity = You can buy 1 to { $max } of this in one order.
error-order-open_order_exists = You already have an open order (#{ $id }). Wait for it to finish or cancel it in My orders first.
error-order-payment_out_of_range = This method accepts { $min } to { $max }; this order would be { $amount }. Please choose another payment method.
error-order-player_id_required = This product needs your { $label }.
error-order-bad_player_id = That player ID doesn't match what this product needs.
error-order-bad_transition = This order can't be changed any more.
error-order-with_supplier = This order is with the supplier and its result isn't known yet. It will be settled automatically; it can't be changed until then.
error-order-proof_required = Please send proof of your payment first.
error-catalog-product_not_found = That product doesn't exist any more.
error-catalog-category_not_found = That category doesn't exist any more.
error-payment_method-not_found = That payment method doesn't exist.
error-payment_method-deleted = That payment method is no longer offered.
error-payment_method-inactive = That payment method is unavailable right now.
error-currency-unknown = That currency isn't offered.
error-currency-disabled = That currency isn't available right now.
error-coupon-not_found = No coupon has this code.
error-coupon-inactive = This coupon is switched off.
error-coupon-expired = This coupon has expired.
error-coupon-used_up = This coupon has been used up.
error-coupon-already_used_by_you = You've already used this coupon.
error-coupon-below_minimum = This coupon needs an order of at least { $min }.
error-coupon-not_applicable = This coupon doesn't apply to this product.
error-invalid-coupon_code = A coupon code has 3 to 32 letters, digits, - or _.
error-invalid-empty_text = Please send some text.
error-invalid-text_too_long = That text is too long.
error-invalid-forbidden_character = That text contains characters that aren't allowed.
error-invalid-request_key_reused = That request was already handled differently. Please start again.
error-amount-not_a_number = Please send just a number, like 25 or 12.50.
error-amount-not_positive = The amount must be more than zero.
error-amount-too_many_decimals = Use at most { $decimals } decimal places.
error-amount-too_large = The most you can send this way is { $max }.
error-amount-too_small = The least you can send this way is { $min }.

## operations (rate limiting, staff alerts, backups, broadcasts)
ratelimit-notice = You're sending messages very fast. Please wait a few seconds; I'll answer again after that.
alert-storage = ⚠️ Storage error in the bot: { $detail }
alert-verify =
    🚨 The integrity check failed at start-up; the shop is in EMERGENCY mode.
    { $detail }
alert-backup = ⚠️ A backup failed: { $detail }
alert-handler = ⚠️ The bot failed to handle an update: { $detail }
alert-retention = ⚠️ Pruning old records failed: { $detail }
alert-staff_chat = ⚠️ A notice could not be delivered to the staff chat (check that the bot is still in it): { $detail }
alert-suppressed = { $count ->
    [one] (One similar alert was held back since the last one.)
   *[other] ({ $count } similar alerts were held back since the last one.)
}
backup-done = 💾 Backup written: { $file } ({ $bytes } bytes).
backup-failed = ⚠️ The backup failed; the details are in the log.
broadcast-ask_text = Send the text of the broadcast now (or /cancel).
broadcast-preview =
    📣 Preview of the broadcast:

    { $text }
broadcast-confirm = It will go to { $audience } users. Send it?
broadcast-button_send = ✅ Send
broadcast-button_discard = ✖️ Discard
broadcast-button_cancel = ⏹ Stop sending
broadcast-discarded = The broadcast was discarded.
broadcast-cancelling = Stopping the broadcast…
broadcast-progress =
    📣 Broadcast #{ $id }: { $done } of { $audience } handled
    ✅ sent { $sent } · 🚫 blocked { $blocked } · ⚠️ failed { $failed }
broadcast-finished =
    📣 Broadcast #{ $id } finished: { $done } of { $audience } handled
    ✅ sent { $sent } · 🚫 blocked { $blocked } · ⚠️ failed { $failed }
broadcast-cancelled =
    📣 Broadcast #{ $id } stopped: { $done } of { $audience } handled
    ✅ sent { $sent } · 🚫 blocked { $blocked } · ⚠️ failed { $failed }
role-user = shopper
role-support = support
role-operator = operator
role-super_admin = super admin
kind-game_top_up = game top-up
kind-gift_card = gift card
kind-subscription = subscription
kind-other = other
delivery-manual = by hand
delivery-codes = from the code pool
delivery-supplier = by the supplier
delivery-supplier_sku = by the supplier (SKU { $sku })
store_state-open = open
store_state-maintenance = maintenance
store_state-emergency = emergency stop
fulfilment-manual = manual
fulfilment-auto = automatic
error-denied-missing_permission = ⛔ Your role doesn't allow this ({ $permission }). The attempt was recorded.
error-denied-cannot_manage = ⛔ You can only act on people below your rank.
error-denied-cannot_grant = ⛔ You can't give that role.
error-denied-self_action = ⛔ You can't do that to yourself.
error-wallet-already_decided = This top-up was already decided: { $status }. Nothing more was done.
error-wallet-proof_reused =
    { $warning }
    Nothing was done: open the request again to decide.
error-order-delivery_required = This order needs the delivery text (the code or account details).
error-payment_method-in_use = { $count ->
    [one] This method can't be deleted yet: one pending top-up or unpaid order still uses it. Decide it first, or deactivate the method so no new ones arrive.
   *[other] This method can't be deleted yet: { $count } pending top-ups or unpaid orders still use it. Decide them first, or deactivate the method so no new ones arrive.
}
error-payment_method-min_above_max = The minimum is above the maximum.
error-catalog-category_not_empty = { $count ->
    [one] This category still holds one product: move or delete it first.
   *[other] This category still holds { $count } products: move or delete them first.
}
error-catalog-product_archived = This product is archived and can't be changed.
error-catalog-stock_too_large = That stock is too large.
error-catalog-stock_from_codes = This product's stock is its code pool: upload codes instead.
error-catalog-not_a_codes_product = This product isn't delivered from codes.
error-catalog-codes_in_pool = { $count ->
    [one] The pool still holds one code: revoke it first.
   *[other] The pool still holds { $count } codes: revoke them first.
}
error-catalog-bad_code = The code on line { $line } isn't valid (too long, or a forbidden character). Nothing was added.
error-catalog-no_codes = No codes found in that.
error-catalog-bad_order_limit = The limit per order must be a whole number from 1 to { $max }.
error-catalog-too_many_codes = { $count ->
    [one] One code in one upload; the most is { $max }.
   *[other] { $count } codes in one upload; the most is { $max }. Split the list.
}
error-catalog-duplicate_codes = { $count ->
    [one] One of these codes was uploaded for this product before (in the pool, sold, reserved or revoked) or repeats in the list. A code can be sold only once, so nothing was added: remove it and upload again.
   *[other] { $count } of these codes were uploaded for this product before (in the pool, sold, reserved or revoked) or repeat in the list. A code can be sold only once, so nothing was added: remove them and upload again.
}
error-catalog-pool_full = The pool would be too large.
error-catalog-bad_player_rule = That player-id rule isn't valid (lengths 1 to 64, min ≤ max).
error-user-not_found = No user matches that. Check the id or @username.
error-user-already_banned = This user is already banned.
error-user-not_banned = This user isn't banned.
error-user-role_unchanged = The user already has that role.
error-user-last_super_admin = This is the last super admin: promote someone else first.
error-coupon-already_exists = A coupon with this code already exists.
error-coupon-bad_percentage = A percentage must be above 0 and at most 100.
error-coupon-bad_uses = The number of uses is out of range.
error-currency-already_exists = That currency already exists.
error-currency-base_fixed = USD is the base currency: its rate is always 1 and it stays enabled.
error-currency-bad_decimals = Decimals must be 0 to 4.
error-currency-in_use = { $count ->
    [one] One active payment method uses this currency: deactivate it first.
   *[other] { $count } active payment methods use this currency: deactivate them first.
}
error-invalid-unchanged = Nothing changed.
error-invalid-username = That isn't a valid @username.
error-invalid-user_id = That isn't a valid user id.
error-invalid-currency_code = A currency code has three letters, like EUR.
error-invalid-unknown_name = I don't know that name.
order_fulfilment-manual = by hand
order_fulfilment-codes = a code from the pool
order_fulfilment-supplier = the supplier
notify-invoice_credited = ✅ Payment for invoice #{ $id } received: { $amount } added to your balance.
notify-invoice_credited_late = 💰 Your payment for invoice #{ $id } arrived when the invoice could no longer be used, so { $amount } was added to your balance instead.
notify-invoice_refunded = ↩️ Your payment for invoice #{ $id } ({ $amount }) was sent back to you.
ledger-invoice = invoice payment
ledger-provider_refund = refund to your payment
error-invoice-not_found = That invoice doesn't exist.
error-invoice-not_payable = This invoice can't be paid any more. Open a new one if you still want to pay.
error-invoice-mismatch = This payment doesn't match the invoice.
error-invoice-too_many_open = You already have unpaid invoices. Pay or cancel one first.
error-invoice-not_cancellable = This invoice can't be cancelled.
provider-stars = ⭐ Telegram Stars
provider-crypto_pay = 💎 Crypto (Crypto Pay)
topup-stars_amount_prompt = ⭐ How many USD do you want to add? You pay in Telegram Stars at { $rate } stars per USD (up to { $max }).
topup-crypto_amount_prompt = 💎 How many USD do you want to add? You pay in crypto through Crypto Pay (up to { $max }).
invoice-title_topup = Top-up, invoice #{ $id }
invoice-title_order = Order #{ $id }
invoice-description_topup = { $amount } added to your shop balance once paid.
invoice-description_order = { $product }, { $amount }.
invoice-price_label = Invoice #{ $id }
invoice-crypto_pay = 💎 Invoice #{ $id }: pay { $amount } in crypto with the button below. It is credited automatically once paid.
invoice-crypto_unavailable = Crypto payments are unavailable right now. Please try again later or choose another way to pay.
button-pay_crypto = 💎 Pay with Crypto Pay
order-paid_by_provider = Paid with { $provider }: { $amount }
alert-payments = ⚠️ An automatic payment needs attention: { $detail }
route-balance = Balance
route-method = Payment methods
route-stars = Telegram Stars
route-crypto_pay = Crypto Pay
invoice_status-open = Open
invoice_status-paid = Paid
invoice_status-expired = Expired
invoice_status-cancelled = Cancelled
invoice_status-refunding = Refunding
invoice_status-refunded = Refunded
topup-requested_usd = ✅ Top-up #{ $id } of { $amount } sent for review. You'll get a message when it's checked.
group-private_only = 🛍 The shop opens in a private chat with me, so your orders and balance stay yours. Tap below to start.
button-open_private = 🛍 Open the shop
settings-broadcasts_on = 📣 Shop announcements: on
settings-broadcasts_muted = 🔕 Shop announcements: muted (messages about your orders and balance still come)
button-mute_broadcasts = 🔕 Mute announcements
button-unmute_broadcasts = 📣 Turn announcements on
button-open_menu = 🛍 Open the shop
settings-muted_notice = Announcements muted.
settings-unmuted_notice = Announcements are on.
button-search = 🔎 Search
button-search_again = 🔎 Search again
search-prompt = 🔎 What are you looking for? Send a product name or part of it (in any language).
search-found = 🔎 Results for “{ $query }”:
search-nothing = 🔎 Nothing on sale matches “{ $query }”. Try fewer or shorter words.
inline-product = 🛍 { $name } — { $price }
button-open_product = 🛍 Open in the shop
