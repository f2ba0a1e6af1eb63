# Тексты, которые видят покупатели: меню, каталог, покупка, заказы, кошелёк, уведомления, ошибки.

# Название языка на нём самом и направление письма (ltr или rtl).
language-name = Русский
language-direction = ltr
money-local_and_usd = { $local } ({ $usd })

## меню, помощь, настройки
menu-greeting =
    Здравствуйте, { $name }! Добро пожаловать в магазин.
    Что вы хотите сделать?
notice-maintenance = 🛠 В магазине идут технические работы: новые заказы временно не принимаются. Кошелёк и ваши заказы работают как обычно.
notice-emergency = ⛔ Магазин временно остановлен. Покупки, пополнения и изменения приостановлены, пока сотрудники снова его не откроют; смотреть заказы и кошелёк по-прежнему можно.
notice-reason = Причина: { $reason }
notice-stale_button = Эта кнопка устарела. Воспользуйтесь последним сообщением.
notice-unavailable = Это больше недоступно.
input-not_understood = Я вас не понял.
help-text =
    ℹ️ Как это работает
    • Магазин: выберите категорию и товар, затем следуйте шагам покупки.
    • Кошелёк: пополняйте баланс и смотрите историю операций.
    • Мои заказы: следите за заказами, получайте выданное, отменяйте, пока это возможно.
    • Настройки: язык и валюта.

    Команды: /start, /menu, /cancel, /help
help-support = Нужна помощь? Напишите в поддержку: { $contact }
help-no_support = Нужна помощь? Ответьте здесь, и сотрудники свяжутся с вами.
settings-text =
    ⚙️ Настройки
    Язык: { $language }
    Цены в валюте: { $currency }
settings-language_changed = Язык изменён.
settings-currency_changed = Валюта изменена.
currency-choose = Выберите валюту для показа цен (с баланса всегда списывается сумма в USD):

## кнопки
button-shop = 🛍 Магазин
button-wallet = 👛 Кошелёк
button-orders = 📦 Мои заказы
button-settings = ⚙️ Настройки
button-help = ℹ️ Помощь и поддержка
button-menu = 🏠 Главное меню
button-back = ⬅️ Назад
button-categories = ⬅️ Категории
button-previous = ◀️ Предыдущие
button-next = Следующие ▶️
button-older = Более ранние ▶️
button-buy = 🛒 Купить
button-cancel = ✖️ Отмена
button-confirm = ✅ Подтвердить
button-skip_coupon = Без купона
button-pay_balance = 👛 С баланса ({ $balance })
button-topup = ➕ Пополнить
button-history = 📜 История
button-referrals = 🎁 Пригласить друзей
button-currency = 💱 Валюта
button-cancel_order = ✖️ Отменить заказ
button-yes_cancel_order = Да, отменить
button-order_details = 📦 Детали заказа

## каталог
shop-empty = В магазине пока нет товаров. Загляните позже.
shop-choose_category = Выберите категорию:
category-title = 📂 { $name }
category-empty = Сейчас здесь ничего не продаётся.
category-choose_product = Выберите товар:
product-title = 🏷 { $name }
product-price = Цена: { $price }
product-in_stock = ✅ В наличии
product-stock_left = ✅ В наличии (осталось: { $count })
product-per_order = 🔢 До { $count } шт. в одном заказе
product-also_bought = 👥 С этим товаром также покупают:
product-out_of_stock = ❌ Нет в наличии
product-needs_player_id = Нужно будет указать: { $label } ({ $rule }).
rule-digits = только цифры, длина от { $min } до { $max }
rule-alphanumeric = только латинские буквы и цифры, длина от { $min } до { $max }
rule-mask = в формате { $mask } (# — цифра, A — буква, * — любой из них)

## покупка
buy-player_id_prompt =
    Отправьте { $label }.
    Формат: { $rule }.
buy-player_id_rejected =
    Похоже, { $label } указан неверно. Формат: { $rule }.
    Отправьте ещё раз.
buy-coupon_prompt = Есть купон? Отправьте его код или нажмите «Без купона».
buy-coupon_rejected =
    ❌ { $reason }
    Отправьте другой код или нажмите «Без купона».
buy-coupon_applied = ✅ Купон { $coupon } применён.
buy-payment_prompt = Как вы хотите оплатить?
buy-method_instructions =
    💳 { $method }
    Переведите { $amount }.

    { $instructions }

    Затем отправьте фото чека или номер транзакции текстом.
buy-proof_expected = Отправьте фото чека или номер транзакции текстом.
summary-title = 🧾 Ваш заказ
summary-product = Товар: { $name }
summary-player_id = { $label }: { $player_id }
summary-player_id_label = ID игрока
summary-price = Цена: { $price }
summary-quantity = Количество: { $count } × { $price }
quantity-prompt = Сколько «{ $name }» вы хотите? Нажмите на число или отправьте число от 1 до { $max }.
quantity-rejected = Отправьте целое число от 1 до { $max }.
summary-discount = Купон { $coupon }: −{ $discount }
summary-total = Итого: { $total }
summary-total_local = Итого в вашей валюте: { $total }
summary-pay_balance = Оплата с баланса (сейчас на нём { $balance }).
summary-pay_method = Оплата через { $method }: { $amount }, платёж проверят сотрудники.
summary-confirm_hint = Нажмите «Подтвердить», чтобы оформить заказ.
flow-cancelled = Отменено. Деньги не списаны.

## заказы
order-placed = ✅ Заказ #{ $id } оформлен.
order-title = 📦 Заказ #{ $id }
order-product = Товар: { $name }
order-status = Статус: { $status }
order-player_id = ID игрока: { $player_id }
order-total = Итого: { $total }
order-quantity = Количество: { $count } × { $price }
order-item_units = { $count } × { $name }
order-total_local = В вашей валюте: { $total }
order-coupon = Купон { $coupon }: −{ $discount }
order-paid_by_method = Оплачено переводом: { $amount }
order-created = Оформлен: { $date }
order-delivery = 🎁 Выдача: { $delivery }
order-failure = Причина: { $reason }
order-awaiting_review = ⏳ Сотрудники проверяют ваш платёж.
orders-title = 📦 Ваши заказы:
orders-empty = У вас пока нет заказов.
order-cancel_confirm = Отменить заказ #{ $id }?
order-cancel_confirm_refund = Отменить заказ #{ $id }? { $total } вернётся на ваш баланс.
order-cancelled = Заказ #{ $id } отменён.
order-cancelled_refunded = Заказ #{ $id } отменён. { $total } возвращено на ваш баланс.
order-not_cancellable = Этот заказ уже нельзя отменить.
status-awaiting_payment = ⏳ ожидает проверки оплаты
status-paid = 💰 оплачен, готовится
status-processing = ⚙️ в обработке
status-completed = ✅ выполнен
status-failed = ❌ не выполнен
status-cancelled = ✖️ отменён

## кошелёк
wallet-balance = 👛 Ваш баланс: { $balance }
wallet-pending = ⏳ Пополнения на проверке: { $count }
referral-title = 🎁 Пригласить друзей
referral-link = Поделитесь своей ссылкой: { $link }
referral-reward_percent = Когда друг, пришедший по ней, завершит свой первый заказ, вы получите на баланс { $percent }% от этого заказа.
referral-reward_fixed = Когда друг, пришедший по ней, завершит свой первый заказ, вы получите на баланс { $amount }.
referral-no_program = Сейчас магазин не платит за приглашения; друзья, пришедшие по вашей ссылке, всё равно учитываются.
referral-stats = Приглашено друзей: { $referred } · вознаграждений: { $rewarded } · заработано: { $earned }
referral-welcome = 🎁 Добро пожаловать! Вы пришли по приглашению друга.
topup-no_methods = Сейчас нет доступных способов пополнения.
topup-choose_method = Выберите, как вы отправите деньги:
topup-amount_prompt =
    💳 { $method }
    { $instructions }

    Какую сумму в { $currency } вы отправите? (от { $min } до { $max })
topup-proof_prompt = Переведите { $amount }, затем отправьте фото чека или номер транзакции текстом.
topup-requested = ✅ Заявка на пополнение #{ $id } на { $amount } (≈ { $usd }) отправлена на проверку. Мы сообщим, когда её проверят.
history-title = 📜 История кошелька
history-empty = Операций пока нет.
history-entry = { $date } · { $kind } · { $amount } → { $balance }
history-topups_title = Последние пополнения:
history-topup = #{ $id } · { $amount } · { $status }
ledger-topup = пополнение
ledger-purchase = покупка
ledger-refund = возврат
ledger-adjustment = корректировка
ledger-payment = оплата
topup_status-pending = ⏳ на проверке
topup_status-approved = ✅ одобрено
topup_status-rejected = ❌ отклонено

## уведомления
notify-order_completed = ✅ Ваш заказ #{ $id } выполнен!
notify-order_failed = ❌ Ваш заказ #{ $id } не выполнен: { $reason }
notify-order_cancelled = ✖️ Ваш заказ #{ $id } отменён.
notify-refunded = { $total } возвращено на ваш баланс.
notify-refunded_plain = Деньги возвращены на ваш баланс.
notify-payment_confirmed = 💰 Оплата заказа #{ $id } подтверждена. Заказ готовится.
notify-topup_approved = ✅ Пополнение #{ $id } одобрено: { $amount } зачислено на ваш баланс.
notify-topup_rejected = ❌ Пополнение #{ $id } отклонено: { $reason }
notify-referral_rewarded = 🎁 Приглашённый вами друг завершил свой первый заказ: на ваш баланс зачислено { $amount }.

## ошибки (по одной на каждый Error::kind, с которым может столкнуться покупатель)
error-internal = Что-то пошло не так на нашей стороне. Попробуйте ещё раз чуть позже.
error-generic = Не получилось. Попробуйте ещё раз или обратитесь в поддержку.
error-denied-banned = ⛔ Ваш аккаунт заблокирован. Если вы считаете, что это ошибка, обратитесь в поддержку.
error-denied-unknown_actor = Сначала отправьте /start.
error-mode-emergency = ⛔ Магазин временно остановлен: покупки, пополнения и изменения приостановлены. Попробуйте позже.
error-mode-maintenance = 🛠 В магазине идут технические работы: новые заказы временно не принимаются. Кошелёк и заказы работают как обычно.
error-wallet-insufficient_balance = На балансе ({ $balance }) недостаточно средств: нужно { $needed }. Пополните кошелёк или выберите другой способ оплаты.
error-wallet-balance_limit = Баланс превысит допустимый лимит.
error-wallet-too_many_pending = { $max ->
    [one] У вас уже { $max } пополнение на проверке. Дождитесь окончания проверки.
    [few] У вас уже { $max } пополнения на проверке. Дождитесь окончания проверки.
    [many] У вас уже { $max } пополнений на проверке. Дождитесь окончания проверки.
   *[other] У вас уже { $max } пополнения на проверке. Дождитесь окончания проверки.
}
error-wallet-rounds_to_zero = Эта сумма слишком мала для зачисления.
error-wallet-topup_not_found = Такого пополнения нет.
error-order-not_found = Такого заказа нет.
error-order-product_inactive = Этот товар сейчас не продаётся.
error-order-product_archived = Этот товар больше не продаётся.
error-order-out_of_stock = К сожалению, этого товара нет в наличии.
error-order-not_enough_stock = Осталось только { $available } шт., а вы запросили { $wanted }. Выберите меньше.
error-order-bad_quantity = В одном заказе можно купить от 1 до { $max } шт. этого товара.
error-order-open_order_exists = У вас уже есть незавершённый заказ (#{ $id }). Дождитесь его завершения или сначала отмените его в разделе «Мои заказы».
error-order-payment_out_of_range = Этот способ принимает от { $min } до { $max }, а сумма заказа — { $amount }. Выберите другой способ оплаты.
error-order-player_id_required = Для этого товара нужно указать: { $label }.
error-order-bad_player_id = Этот ID игрока не подходит для этого товара.
error-order-bad_transition = Этот заказ уже нельзя изменить.
error-order-with_supplier = Заказ передан поставщику, и его результат пока неизвестен. Он будет завершён автоматически; до тех пор его нельзя изменить.
error-order-proof_required = Сначала отправьте подтверждение оплаты.
error-catalog-product_not_found = Этого товара больше нет.
error-catalog-category_not_found = Этой категории больше нет.
error-payment_method-not_found = Такого способа оплаты нет.
error-payment_method-deleted = Этот способ оплаты больше не предлагается.
error-payment_method-inactive = Этот способ оплаты сейчас недоступен.
error-currency-unknown = Эта валюта не поддерживается.
error-currency-disabled = Эта валюта сейчас недоступна.
error-coupon-not_found = Купона с таким кодом нет.
error-coupon-inactive = Этот купон отключён.
error-coupon-expired = Срок действия купона истёк.
error-coupon-used_up = Лимит использований купона исчерпан.
error-coupon-already_used_by_you = Вы уже использовали этот купон.
error-coupon-below_minimum = Этот купон действует для заказов от { $min }.
error-coupon-not_applicable = Этот купон не действует на этот товар.
error-invalid-coupon_code = Код купона — от 3 до 32 символов: буквы, цифры, - или _.
error-invalid-empty_text = Отправьте текст.
error-invalid-text_too_long = Текст слишком длинный.
error-invalid-forbidden_character = В тексте есть недопустимые символы.
error-invalid-request_key_reused = Этот запрос уже был обработан иначе. Начните заново.
error-amount-not_a_number = Отправьте только число, например 25 или 12.50.
error-amount-not_positive = Сумма должна быть больше нуля.
error-amount-too_many_decimals = Знаков после запятой — не больше { $decimals }.
error-amount-too_large = Этим способом можно отправить не больше { $max }.
error-amount-too_small = Этим способом можно отправить не меньше { $min }.

## служебное (ограничение частоты, оповещения сотрудникам, резервные копии, рассылки)
ratelimit-notice = Вы отправляете сообщения слишком часто. Подождите несколько секунд, и я снова буду отвечать.
alert-storage = ⚠️ Ошибка хранилища в боте: { $detail }
alert-verify =
    🚨 Проверка целостности при запуске не пройдена; магазин переведён в АВАРИЙНЫЙ режим.
    { $detail }
alert-backup = ⚠️ Не удалось создать резервную копию: { $detail }
alert-handler = ⚠️ Бот не смог обработать обновление: { $detail }
alert-retention = ⚠️ Не удалось удалить старые записи: { $detail }
alert-staff_chat = ⚠️ Не удалось доставить уведомление в чат сотрудников (проверьте, что бот всё ещё в нём): { $detail }
alert-suppressed = { $count ->
    [one] (С момента предыдущего оповещения скрыто { $count } похожее оповещение.)
    [few] (С момента предыдущего оповещения скрыто { $count } похожих оповещения.)
    [many] (С момента предыдущего оповещения скрыто { $count } похожих оповещений.)
   *[other] (С момента предыдущего оповещения скрыто { $count } похожего оповещения.)
}
backup-done = 💾 Резервная копия записана: { $file } ({ $bytes ->
    [one] { $bytes } байт
    [few] { $bytes } байта
    [many] { $bytes } байт
   *[other] { $bytes } байта
}).
backup-failed = ⚠️ Не удалось создать резервную копию; подробности в журнале.
broadcast-ask_text = Отправьте текст рассылки (или /cancel).
broadcast-preview =
    📣 Предпросмотр рассылки:

    { $text }
broadcast-confirm = Получателей: { $audience }. Отправить?
broadcast-button_send = ✅ Отправить
broadcast-button_discard = ✖️ Удалить
broadcast-button_cancel = ⏹ Остановить
broadcast-discarded = Рассылка удалена.
broadcast-cancelling = Останавливаю рассылку…
broadcast-progress =
    📣 Рассылка #{ $id }: обработано { $done } из { $audience }
    ✅ отправлено: { $sent } · 🚫 заблокировали бота: { $blocked } · ⚠️ ошибки: { $failed }
broadcast-finished =
    📣 Рассылка #{ $id } завершена: обработано { $done } из { $audience }
    ✅ отправлено: { $sent } · 🚫 заблокировали бота: { $blocked } · ⚠️ ошибки: { $failed }
broadcast-cancelled =
    📣 Рассылка #{ $id } остановлена: обработано { $done } из { $audience }
    ✅ отправлено: { $sent } · 🚫 заблокировали бота: { $blocked } · ⚠️ ошибки: { $failed }
role-user = покупатель
role-support = поддержка
role-operator = оператор
role-super_admin = суперадмин
kind-game_top_up = пополнение в игре
kind-gift_card = подарочная карта
kind-subscription = подписка
kind-other = другое
delivery-manual = вручную
delivery-codes = из пула кодов
delivery-supplier = через поставщика
delivery-supplier_sku = через поставщика (SKU { $sku })
store_state-open = открыт
store_state-maintenance = технические работы
store_state-emergency = аварийная остановка
fulfilment-manual = вручную
fulfilment-auto = автоматически
error-denied-missing_permission = ⛔ Ваша роль не позволяет это сделать ({ $permission }). Попытка записана.
error-denied-cannot_manage = ⛔ Вы можете действовать только в отношении пользователей с ролью ниже вашей.
error-denied-cannot_grant = ⛔ Вы не можете выдать эту роль.
error-denied-self_action = ⛔ Это нельзя сделать в отношении себя.
error-wallet-already_decided = По этому пополнению уже принято решение: { $status }. Больше ничего не сделано.
error-wallet-proof_reused =
    { $warning }
    Ничего не сделано: откройте заявку снова, чтобы принять решение.
error-order-delivery_required = Для этого заказа нужен текст выдачи (код или данные аккаунта).
error-payment_method-in_use = { $count ->
    [one] Этот способ пока нельзя удалить: его ещё использует { $count } заявка (пополнение на проверке или неоплаченный заказ). Сначала примите по ней решение или отключите способ, чтобы новые не поступали.
    [few] Этот способ пока нельзя удалить: его ещё используют { $count } заявки (пополнения на проверке или неоплаченные заказы). Сначала примите по ним решение или отключите способ, чтобы новые не поступали.
    [many] Этот способ пока нельзя удалить: его ещё используют { $count } заявок (пополнения на проверке или неоплаченные заказы). Сначала примите по ним решение или отключите способ, чтобы новые не поступали.
   *[other] Этот способ пока нельзя удалить: его ещё используют { $count } заявки (пополнения на проверке или неоплаченные заказы). Сначала примите по ним решение или отключите способ, чтобы новые не поступали.
}
error-payment_method-min_above_max = Минимум больше максимума.
error-catalog-category_not_empty = { $count ->
    [one] В этой категории ещё есть { $count } товар: сначала перенесите или удалите его.
    [few] В этой категории ещё есть { $count } товара: сначала перенесите или удалите их.
    [many] В этой категории ещё есть { $count } товаров: сначала перенесите или удалите их.
   *[other] В этой категории ещё есть { $count } товара: сначала перенесите или удалите их.
}
error-catalog-product_archived = Этот товар в архиве, его нельзя изменить.
error-catalog-stock_too_large = Слишком большой остаток.
error-catalog-stock_from_codes = Остаток этого товара — это его пул кодов: загрузите коды.
error-catalog-not_a_codes_product = Этот товар выдаётся не кодами.
error-catalog-codes_in_pool = { $count ->
    [one] В пуле ещё остался { $count } код: сначала отзовите его.
    [few] В пуле ещё осталось { $count } кода: сначала отзовите их.
    [many] В пуле ещё осталось { $count } кодов: сначала отзовите их.
   *[other] В пуле ещё осталось { $count } кода: сначала отзовите их.
}
error-catalog-bad_code = Код в строке { $line } недействителен (слишком длинный или содержит запрещённый символ). Ничего не добавлено.
error-catalog-no_codes = Коды не найдены.
error-catalog-bad_order_limit = Лимит на заказ должен быть целым числом от 1 до { $max }.
error-catalog-too_many_codes = { $count ->
    [one] { $count } код в одной загрузке; максимум — { $max }. Разделите список.
    [few] { $count } кода в одной загрузке; максимум — { $max }. Разделите список.
    [many] { $count } кодов в одной загрузке; максимум — { $max }. Разделите список.
   *[other] { $count } кода в одной загрузке; максимум — { $max }. Разделите список.
}
error-catalog-duplicate_codes = { $count ->
    [one] { $count } из этих кодов уже загружался для этого товара (в пуле, продан, зарезервирован или отозван) или повторяется в списке. Каждый код можно продать только один раз, поэтому ничего не добавлено: уберите его и загрузите снова.
    [few] { $count } из этих кодов уже загружались для этого товара (в пуле, проданы, зарезервированы или отозваны) или повторяются в списке. Каждый код можно продать только один раз, поэтому ничего не добавлено: уберите их и загрузите снова.
    [many] { $count } из этих кодов уже загружались для этого товара (в пуле, проданы, зарезервированы или отозваны) или повторяются в списке. Каждый код можно продать только один раз, поэтому ничего не добавлено: уберите их и загрузите снова.
   *[other] { $count } из этих кодов уже загружались для этого товара (в пуле, проданы, зарезервированы или отозваны) или повторяются в списке. Каждый код можно продать только один раз, поэтому ничего не добавлено: уберите их и загрузите снова.
}
error-catalog-pool_full = Пул кодов станет слишком большим.
error-catalog-bad_player_rule = Недопустимое правило для ID игрока (длина от 1 до 64, минимум ≤ максимум).
error-user-not_found = Пользователь не найден. Проверьте id или @username.
error-user-already_banned = Этот пользователь уже заблокирован.
error-user-not_banned = Этот пользователь не заблокирован.
error-user-role_unchanged = У пользователя уже есть эта роль.
error-user-last_super_admin = Это последний суперадмин: сначала повысьте кого-то другого.
error-coupon-already_exists = Купон с таким кодом уже существует.
error-coupon-bad_percentage = Процент должен быть больше 0 и не больше 100.
error-coupon-bad_uses = Недопустимое число использований.
error-currency-already_exists = Такая валюта уже существует.
error-currency-base_fixed = USD — базовая валюта: её курс всегда равен 1, и отключить её нельзя.
error-currency-bad_decimals = Число знаков после запятой — от 0 до 4.
error-currency-in_use = { $count ->
    [one] Эту валюту использует { $count } активный способ оплаты: сначала отключите его.
    [few] Эту валюту используют { $count } активных способа оплаты: сначала отключите их.
    [many] Эту валюту используют { $count } активных способов оплаты: сначала отключите их.
   *[other] Эту валюту используют { $count } активного способа оплаты: сначала отключите их.
}
error-invalid-unchanged = Ничего не изменилось.
error-invalid-username = Это недопустимый @username.
error-invalid-user_id = Это недопустимый id пользователя.
error-invalid-currency_code = Код валюты состоит из трёх букв, например EUR.
error-invalid-unknown_name = Я не знаю такого имени.
order_fulfilment-manual = вручную
order_fulfilment-codes = код из пула
order_fulfilment-supplier = поставщик
notify-invoice_credited = ✅ Оплата по счёту #{ $id } получена: { $amount } зачислено на ваш баланс.
notify-invoice_credited_late = 💰 Ваша оплата по счёту #{ $id } поступила, когда счёт уже нельзя было использовать, поэтому { $amount } зачислено на ваш баланс.
notify-invoice_refunded = ↩️ Ваш платёж по счёту #{ $id } ({ $amount }) возвращён вам.
ledger-invoice = оплата по счёту
ledger-provider_refund = возврат платежа
error-invoice-not_found = Такого счёта нет.
error-invoice-not_payable = Этот счёт уже нельзя оплатить. Если вы всё ещё хотите оплатить, создайте новый.
error-invoice-mismatch = Этот платёж не соответствует счёту.
error-invoice-too_many_open = У вас уже есть неоплаченные счета. Сначала оплатите или отмените один из них.
error-invoice-not_cancellable = Этот счёт нельзя отменить.
provider-stars = ⭐ Telegram Stars
provider-crypto_pay = 💎 Криптовалюта (Crypto Pay)
topup-stars_amount_prompt = ⭐ На сколько USD вы хотите пополнить баланс? Оплата в Telegram Stars по курсу 1 USD = { $rate } ⭐ (не больше { $max }).
topup-crypto_amount_prompt = 💎 На сколько USD вы хотите пополнить баланс? Оплата криптовалютой через Crypto Pay (не больше { $max }).
invoice-title_topup = Пополнение, счёт #{ $id }
invoice-title_order = Заказ #{ $id }
invoice-description_topup = После оплаты { $amount } будет зачислено на ваш баланс в магазине.
invoice-description_order = { $product }, { $amount }.
invoice-price_label = Счёт #{ $id }
invoice-crypto_pay = 💎 Счёт #{ $id }: оплатите { $amount } криптовалютой с помощью кнопки ниже. После оплаты средства зачислятся автоматически.
invoice-crypto_unavailable = Оплата криптовалютой сейчас недоступна. Попробуйте позже или выберите другой способ оплаты.
button-pay_crypto = 💎 Оплатить через Crypto Pay
order-paid_by_provider = Оплачено через { $provider }: { $amount }
alert-payments = ⚠️ Автоматический платёж требует внимания: { $detail }
route-balance = Баланс
route-method = Способы оплаты
route-stars = Telegram Stars
route-crypto_pay = Crypto Pay
invoice_status-open = Открыт
invoice_status-paid = Оплачен
invoice_status-expired = Истёк
invoice_status-cancelled = Отменён
invoice_status-refunding = Идёт возврат
invoice_status-refunded = Возвращён
topup-requested_usd = ✅ Заявка на пополнение #{ $id } на { $amount } отправлена на проверку. Мы сообщим, когда её проверят.
group-private_only = 🛍 Магазин работает в личном чате со мной, чтобы ваши заказы и баланс оставались только вашими. Нажмите кнопку ниже, чтобы начать.
button-open_private = 🛍 Открыть магазин
settings-broadcasts_on = 📣 Объявления магазина: включены
settings-broadcasts_muted = 🔕 Объявления магазина: отключены (сообщения о ваших заказах и балансе по-прежнему приходят)
button-mute_broadcasts = 🔕 Отключить объявления
button-unmute_broadcasts = 📣 Включить объявления
button-open_menu = 🛍 Открыть магазин
settings-muted_notice = Объявления отключены.
settings-unmuted_notice = Объявления включены.
button-search = 🔎 Поиск
button-search_again = 🔎 Искать снова
search-prompt = 🔎 Что вы ищете? Отправьте название товара или его часть (на любом языке).
search-found = 🔎 Результаты по запросу «{ $query }»:
search-nothing = 🔎 По запросу «{ $query }» среди товаров в продаже ничего не найдено. Попробуйте меньше слов или слова покороче.
inline-product = 🛍 { $name } — { $price }
button-open_product = 🛍 Открыть в магазине
