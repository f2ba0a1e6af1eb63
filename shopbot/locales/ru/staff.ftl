# Панель персонала внутри бота.

staff-not_allowed = Ваша роль не позволяет использовать эту команду.

## панель персонала (задача 9)
staff-panel-title = 🛠 Панель персонала · ваша роль: { $role }
staff-panel-state = Состояние магазина: { $state }
staff-panel-topups_waiting = ⏳ Пополнения на проверке: { $count }
staff-panel-orders_waiting = 📦 Заказы, ожидающие сотрудника: { $count }
staff-not_permitted = Ваша роль этого не позволяет.
staff-cancelled = Отменено.
staff-saved = ✅ Сохранено.
staff-photo-prompt = Отправьте фото, которое покупатели увидят у товара «{ $name }» (как фото, а не файл), или /cancel.
staff-photo-expected = Это не фото: отправьте изображение (как фото, а не файл) или /cancel.
staff-photo-saved = 🖼 Фото сохранено: покупатели видят его в карточке товара.
staff-photo-removed = 🗑 Фото удалено.
staff-current = Сейчас: { $value }
staff-yes = да
staff-no = нет
staff-text_expected = Пожалуйста, ответьте текстом (или /cancel).
staff-stock_unlimited = без ограничений
staff-button-panel = 🛠 Панель персонала
staff-button-skip = Пропустить
staff-button-topups = 💳 Пополнения
staff-button-orders = 📦 Заказы
staff-button-products = 🏷 Товары
staff-button-categories = 📂 Категории
staff-button-methods = 🏦 Способы оплаты
staff-button-users = 👤 Пользователи
staff-button-coupons = 🎟 Купоны
staff-button-stats = 📊 Статистика
staff-button-audit = 📜 Журнал действий
staff-button-settings = ⚙️ Настройки
staff-button-new_product = ➕ Новый товар
staff-button-new_category = ➕ Новая категория
staff-button-new_method = ➕ Новый способ
staff-button-new_coupon = ➕ Новый купон
staff-button-activate = ▶️ Включить
staff-button-deactivate = ⏸ Отключить
staff-button-delete = 🗑 Удалить
staff-button-yes_delete = Да, удалить
staff-button-upload_codes = ⬆️ Загрузить коды
staff-button-revoke_codes = 🧹 Отозвать все коды
staff-button-photo = 🖼 Фото
staff-button-remove_photo = 🗑 Удалить фото
staff-button-yes_revoke = Да, отозвать
staff-button-unlimited = ∞ Без ограничений
staff-button-show_all = Показать все (с удалёнными)
staff-button-active_only = Только активные
staff-button-approve = ✅ Одобрить
staff-button-approve_anyway = ⚠️ Всё равно одобрить
staff-button-reject = ❌ Отклонить
staff-button-user = 👤 Пользователь
staff-button-review = 🔎 Проверить
staff-button-open_order = 📦 Открыть заказ
staff-button-manual_queue = ⏳ Ждут сотрудника
staff-button-awaiting = 💳 Ждут оплаты
staff-button-search = 🔎 Поиск
staff-button-complete = ✅ Выполнить
staff-button-deliver_code = 🔑 Выдать зарезервированный код
staff-button-fail = ❌ Отменить с возвратом
staff-button-confirm_payment = 💰 Подтвердить оплату
staff-button-confirm_anyway = ⚠️ Всё равно подтвердить
staff-button-ban = ⛔ Заблокировать
staff-button-unban = ✅ Разблокировать
staff-button-adjust = ± Изменить баланс
staff-button-role = 🎖 Сменить роль
staff-button-find_user = 🔎 Найти другого пользователя
staff-button-disable_coupon = ⏸ Отключить { $code }
staff-button-enable_coupon = ▶️ Включить { $code }
staff-button-filter = 🔎 Фильтр
staff-button-fulfilment = Выдача: { $mode }
staff-button-store_state = Установить: { $state }
staff-button-yes_emergency = ⛔ Да, остановить магазин
staff-button-currencies = 💱 Валюты
staff-button-support = ☎️ Контакт поддержки
staff-button-time_zone = 🕒 Часовой пояс
staff-button-clear_support = Удалить контакт
staff-button-rate = Курс { $code }
staff-button-disable_currency = Отключить { $code }
staff-button-enable_currency = Включить { $code }
staff-button-add_currency = ➕ Добавить валюту
staff-field-name = ✏️ Название
staff-field-description = ✏️ Описание
staff-field-price = ✏️ Цена
staff-field-kind = ✏️ Тип
staff-field-category = ✏️ Категория
staff-field-delivery = ✏️ Доставка
staff-field-stock = ✏️ Остаток
staff-field-per_order = 🔢 На заказ
staff-field-player_rule = ✏️ Поле игрока
staff-field-sku = ✏️ Артикул поставщика
staff-ask-name = Отправьте новое название.
staff-ask-description = Отправьте описание (или -, если без описания).
staff-ask-price = Отправьте цену в USD, например 9.99.
staff-ask-kind = Выберите тип:
staff-ask-category = Выберите категорию:
staff-ask-delivery = Выберите способ доставки:
staff-ask-stock = Отправьте остаток (число) или «unlimited», если без ограничений.
staff-ask-per_order = Отправьте, сколько единиц можно купить в одном заказе (от 1 до { $max }).
staff-ask-player_rule = Отправьте поле игрока в виде НАЗВАНИЕ | ПРАВИЛО, где ПРАВИЛО — «digits 5-12», «alnum 4-20» или «mask ###-####». Отправьте -, чтобы убрать поле.
staff-ask-sku = Отправьте артикул поставщика.
staff-ask-category_name = Отправьте название категории.
staff-bad-stock = Это не остаток: отправьте целое число или «unlimited».
staff-bad-per_order = Это не число: отправьте целое число от 1 до { $max }.
staff-bad-player_rule = Не удалось разобрать правило. Пример: ID игрока | digits 5-12
staff-new_product-name = ➕ Новый товар. Отправьте его название.
staff-products-title = 🏷 Товары (✅ в продаже · ⏸ неактивен · ⚠️ нет в наличии · 🗄 в архиве)
staff-products-empty = Товаров пока нет.
staff-product-title = 🏷 Товар #{ $id }: { $name }
staff-product-category = Категория: { $category }
staff-product-price = Цена: { $price }
staff-product-kind = Тип: { $kind }
staff-product-delivery = Доставка: { $delivery }
staff-product-stock = Остаток: { $stock }
staff-product-codes = Кодов в запасе: { $count }
staff-product-player_field = Запрашивает: { $label } ({ $rule })
staff-product-no_player_field = ID игрока не запрашивается.
staff-product-active = Активен: { $active }
staff-product-photo = Фото: { $photo }
staff-product-per_order = Единиц на заказ: { $count }
staff-product-orders = Заказов всего: { $count }
staff-product-archived = 🗄 В архиве: сохранён для истории заказов, изменить его нельзя.
staff-product-created = ✅ Товар #{ $id } создан.
staff-product-delete_confirm = Удалить товар #{ $id } ({ $name })? Это действие необратимо.
staff-product-delete_confirm_archive = У товара #{ $id } ({ $name }) есть заказы: при удалении он будет перенесён в архив (скрыт, история сохранится). Продолжить?
staff-product-deleted = 🗑 Товар #{ $id } удалён.
staff-product-archived_done = 🗄 Товар #{ $id } перенесён в архив.
staff-codes-prompt = Отправьте коды для { $name }, по одному в строке, текстом или файлом .txt. Они сохраняются и больше не показываются. Сейчас в запасе: { $count }.
staff-codes-expected = Отправьте коды текстом (по одному в строке) или файлом .txt.
staff-codes-added = ✅ Добавлено кодов: { $added }. Сейчас в запасе: { $available }.
staff-codes-revoke_confirm = { $count ->
    [one] Удалить { $count } код из запаса { $name }?
    [few] Удалить все { $count } кода из запаса { $name }?
    [many] Удалить все { $count } кодов из запаса { $name }?
   *[other] Удалить все { $count } кода из запаса { $name }?
}
staff-codes-revoked = { $count ->
    [one] 🧹 Удалён { $count } код.
    [few] 🧹 Удалено { $count } кода.
    [many] 🧹 Удалено { $count } кодов.
   *[other] 🧹 Удалено { $count } кода.
}
staff-categories-title = 📂 Категории (товаров в каждой)
staff-categories-none_yet = Категорий пока нет: сначала создайте категорию.
staff-category-title = 📂 Категория #{ $id }: { $name }
staff-category-products = Товаров: { $count }
staff-category-delete_confirm = Удалить категорию { $name }?
staff-category-deleted = 🗑 Категория удалена.
staff-methods-title_active = 🏦 Активные способы оплаты
staff-methods-title_all = 🏦 Все способы оплаты (🗑 удалён · ⏸ неактивен)
staff-methods-empty = Нет.
staff-method-title = 🏦 Способ #{ $id }: { $name }
staff-method-limits = Лимиты: { $limits }
staff-method-pending = Используется в ожидающих пополнениях и неоплаченных заказах: { $count }
staff-method-deleted_at = 🗑 Удалён { $date }
staff-method-delete_confirm = Удалить способ оплаты { $name }? Покупатели больше не будут его видеть; история сохранится.
staff-method-delete_blocked = { $count ->
    [one] ⚠️ Способ ещё используется: { $count } ожидающее пополнение или неоплаченный заказ. Удаление будет отклонено, пока по нему не примут решение.
    [few] ⚠️ Способ ещё используется: { $count } ожидающих пополнения или неоплаченных заказа. Удаление будет отклонено, пока по ним не примут решение.
    [many] ⚠️ Способ ещё используется: { $count } ожидающих пополнений или неоплаченных заказов. Удаление будет отклонено, пока по ним не примут решение.
   *[other] ⚠️ Способ ещё используется: { $count } ожидающего пополнения или неоплаченного заказа. Удаление будет отклонено, пока по ним не примут решение.
}
staff-method-deleted = 🗑 Способ оплаты { $name } удалён.
staff-method_field-name = ✏️ Название
staff-method_field-instructions = ✏️ Инструкции
staff-method_field-limits = ✏️ Лимиты
staff-method_ask-name = Отправьте новое название способа оплаты.
staff-method_ask-instructions = Отправьте новые инструкции для плательщиков.
staff-method_ask-limits = Отправьте новый минимум и максимум, например: 10 5000
staff-new_method-name = ➕ Новый способ оплаты. Отправьте его название.
staff-new_method-currency = Выберите его валюту:
staff-new_method-min = Отправьте минимальную сумму, которую он принимает.
staff-new_method-max = Отправьте максимальную сумму, которую он принимает.
staff-new_method-instructions = Отправьте инструкции, которые увидят плательщики (номер счёта, шаги).
staff-topups-title = 💳 Пополнения на проверке (сначала старые)
staff-topups-empty = Ничего не ждёт проверки. 🎉
staff-topup-title = 💳 Пополнение #{ $id }
staff-topup-user = От: { $user }
staff-topup-amount = Сумма: { $amount } (зачисляется { $usd })
staff-topup-method = Способ: { $method }
staff-topup-requested = Отправлено: { $date }
staff-topup-status = Статус: { $status }
staff-topup-proof_caption = Подтверждение оплаты для пополнения #{ $id }
staff-topup-reject_prompt = Почему пополнение #{ $id } отклонено? Покупатель увидит вашу причину.
staff-topup-approved = ✅ Пополнение #{ $id } одобрено: зачислено { $usd }. Покупатель уведомлён.
staff-topup-rejected = ❌ Пополнение #{ $id } отклонено. Покупатель уведомлён.
staff-proof-text = Подтверждение: { $text }
staff-proof-photo = Подтверждение: фото (см. выше).
staff-proof-photo_caption = Подтверждение: фото (см. выше) с подписью: { $caption }
staff-proof-reused_topup = ⚠️ Это подтверждение уже использовалось для пополнения #{ $id }
staff-proof-reused_order = ⚠️ Это подтверждение уже использовалось для заказа #{ $id }
staff-topup-reused_confirm = Пополнение #{ $id }: перед одобрением сверьте подтверждение с предыдущей заявкой. Всё равно одобрить?
staff-order-reused_confirm = Заказ #{ $id }: перед подтверждением оплаты сверьте подтверждение с предыдущей заявкой. Всё равно подтвердить?
staff-orders-manual_title = ⏳ Оплаченные заказы, ожидающие сотрудника (сначала старые)
staff-orders-awaiting_title = 💳 Заказы, ожидающие подтверждения оплаты
staff-orders-user_title = 📦 Заказы пользователя (сначала новые)
staff-orders-empty = Нет.
staff-orders-search_prompt = Отправьте номер заказа (#123) или пользователя (@name или u123).
staff-order-fulfilment = Выдача: { $fulfilment }
staff-order-code_reserved = 🔑 Для этого заказа зарезервирован код.
staff-order-own = 👤 Это ваш собственный заказ: подтвердить, выполнить или отменить его должен другой сотрудник.
staff-order-delivery_prompt = Отправьте то, что получит покупатель по заказу #{ $id } (код, данные аккаунта…).
staff-order-fail_prompt = Почему заказ #{ $id } отменяется? Покупатель увидит вашу причину; оплаченный заказ возвращается на баланс.
staff-order-completed = ✅ Заказ #{ $id } выполнен. Покупатель уведомлён.
staff-order-failed = ❌ Заказ #{ $id } отменён. Покупатель уведомлён.
staff-order-failed_refunded = ❌ Заказ #{ $id } отменён; { $total } возвращено на баланс покупателя. Покупатель уведомлён.
staff-order-payment_confirmed = 💰 Оплата заказа #{ $id } подтверждена.
staff-user-query_prompt = Отправьте числовой ID пользователя или @username.
staff-user-title = 👤 { $user }
staff-user-role = Роль: { $role }
staff-user-since = Регистрация: { $date } · последний визит: { $seen }
staff-user-banned = ⛔ Заблокирован { $date }: { $reason }
staff-user-not_banned = Не заблокирован.
staff-user-recent_orders = Последние заказы:
staff-user-choose_role = Выберите новую роль для { $user } (сейчас { $role }):
staff-user-ban_prompt = Почему пользователь { $user } блокируется? Причина будет записана.
staff-user-adjust_prompt = Отправьте изменение баланса пользователя { $user } в USD: +10 — зачислить, -2.50 — списать.
staff-user-adjust_reason = Почему { $amount }? Причина будет записана в журнал операций.
staff-coupons-title = 🎟 Купоны
staff-coupons-empty = Купонов пока нет.
staff-coupons-line = { $code } · { $discount } · использований: { $uses } из { $max } · { $scope } · { $state }
staff-coupon-active = активен
staff-coupon-inactive = отключён
staff-coupon-scope_all = на всё
staff-coupon-scope_product = товар #{ $id }
staff-coupon-scope_category = категория #{ $id }
staff-coupon-ask_code = ➕ Новый купон. Отправьте его код (от 3 до 32 символов: буквы, цифры, - или _).
staff-coupon-ask_discount = Отправьте скидку: 20% — процентная, 5 — скидка 5.00 USD.
staff-coupon-ask_uses = Сколько раз его можно использовать всего?
staff-coupon-ask_per_user = Сколько раз его может использовать один человек?
staff-stats-title = 📊 Статистика на { $date }
staff-stats-users = 👤 Пользователи: { $total } (новых сегодня { $today }, активных за неделю { $active }, заблокированных { $banned })
staff-stats-orders = 📦 Заказы: { $total } (сегодня { $today }, за неделю { $week })
staff-stats-success = Доля успешных: { $rate }
staff-stats-revenue = 💰 Выручка: { $total } (сегодня { $today }, за неделю { $week }, за месяц { $month }); средний заказ { $average }
staff-stats-topups = 💳 Одобренные пополнения: { $count }, на сумму { $total } (сегодня { $today })
staff-stats-best = 🏆 Лидеры продаж по выручке:
staff-stats-chart = { $days ->
    [1] 📈 Выручка за сегодня (USD)
    [one] 📈 Выручка по дням за последний { $days } день (USD)
    [few] 📈 Выручка по дням за последние { $days } дня (USD)
    [many] 📈 Выручка по дням за последние { $days } дней (USD)
   *[other] 📈 Выручка по дням за последние { $days } дня (USD)
}
staff-audit-title = 📜 Журнал действий · страница { $page } · { $filter }
staff-audit-all = все записи
staff-audit-empty = Записей нет.
staff-audit-denied = ⛔ отказано
staff-audit-failed = ⚠️ ошибка
staff-audit-filter_prompt = Отправьте название действия (например, BAN_USER или APPROVE_DEPOSIT) или пользователя (ID или @username).
staff-target-settings = настройки
staff-target-user = пользователь { $id }
staff-target-currency = валюта { $id }
staff-target-category = категория #{ $id }
staff-target-product = товар #{ $id }
staff-target-method = способ оплаты #{ $id }
staff-target-topup = пополнение #{ $id }
staff-target-order = заказ #{ $id }
staff-target-coupon = купон { $id }
staff-settings-title = ⚙️ Настройки магазина
staff-settings-fulfilment = Выдача: { $mode }
staff-settings-support = Контакт поддержки: { $contact }
staff-settings-time_zone = Часовой пояс: { $zone }
staff-settings-emergency_confirm = ⛔ Остановить магазин? Покупки, пополнения и любые изменения будут отклоняться, пока сотрудник с правом на экстренные действия не откроет его снова. Покупатели будут уведомлены.
staff-settings-support_prompt = Отправьте контакт, который покупатели увидят в разделе «Помощь» (например, @shop_support).
staff-settings-time_zone_prompt = Отправьте часовой пояс магазина в виде имени IANA, например Europe/Moscow, Asia/Riyadh или Europe/Istanbul. По нему считаются дни в статистике и показываются даты, с учётом летнего времени.
staff-settings-time_zone_unknown = Это не часовой пояс: отправьте имя IANA, например Europe/Moscow, Asia/Riyadh или Europe/Istanbul (или /cancel).
staff-currencies-title = 💱 Валюты (единиц за 1 USD)
staff-currencies-line = { $code } ({ $symbol }) · { $rate } · включена: { $state }
staff-currencies-rate_prompt = Отправьте новый курс: сколько { $code } дают за 1 USD.
staff-currencies-add_prompt = Отправьте новую валюту в виде КОД СИМВОЛ ЗНАКИ КУРС (ЗНАКИ — число знаков после запятой), например: EUR € 2 0.92
staff-notify-topup = 💳 Новое пополнение #{ $id } от { $user }: { $amount }. Ожидает проверки.
staff-notify-order = 📦 Заказ #{ $id } от { $user } ожидает сотрудника: { $product }, { $total }.
staff-error-bad_transition = Этот заказ уже обработал кто-то другой: сейчас его статус — { $status }.
staff-user-balance = Баланс: { $balance }
staff-notify-invoice_late = ⚠️ Оплата счёта #{ $id } от { $user } поступила после закрытия счёта; сумма зачислена на баланс пользователя.
staff-notify-invoice_refused = ⛔ Оплата счёта #{ $id } от { $user } отклонена: { $reason }. Ничего не зачислено.
staff-notify-invoice_refund_refused = ⚠️ Провайдер отказался вернуть оплату по счёту #{ $id } пользователя { $user } ({ $reason }); сумма возвращена на баланс пользователя.
staff-target-broadcast = рассылка #{ $id }
staff-target-invoice = счёт #{ $id }
staff-stats-routes = 🧾 По способам оплаты:
staff-stats-route = { $orders ->
    [one] { $route }: { $orders } заказ, { $revenue }; зачислено { $credited }
    [few] { $route }: { $orders } заказа, { $revenue }; зачислено { $credited }
    [many] { $route }: { $orders } заказов, { $revenue }; зачислено { $credited }
   *[other] { $route }: { $orders } заказа, { $revenue }; зачислено { $credited }
}
staff-topup-amount_usd = Сумма: { $amount }
